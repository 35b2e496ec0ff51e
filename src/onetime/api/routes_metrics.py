"""/metrics: Prometheus's text format, every worker's counts (observe/metrics.py).

No user, token or institution is named in it. Like /healthz it is for the operator's
network: the proxy in front should not publish it (docs/operations.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from onetime.observe import metrics
from onetime.service.monitoring import unsealed_entries

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def scrape(request: Request) -> Response:
    # A plain def: FastAPI runs it in the thread pool, as the COUNT blocks.
    ctx = request.app.state.services.ctx
    sampler = request.app.state.pool_sampler
    if sampler is not None:
        sampler.sample()  # this worker's pool as of now
    body = metrics.exposition([metrics.ScrapeGauge(
        "onetime_audit_unsealed_entries",
        "Audit entries committed but not yet sealed (the sealer's lag)",
        lambda: unsealed_entries(ctx))])
    return Response(body, media_type=metrics.CONTENT_TYPE,
                    headers={"Cache-Control": "no-store"})
