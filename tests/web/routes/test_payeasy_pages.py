"""ペイジー through HTTP: the manual's screens, CSRF, refusals that book nothing, English."""

from __future__ import annotations

from sqlalchemy import func, select

from onetime.banking.storage.schema import journal
from tests.banking.world import activate, code, wrong
from tests.web.routes.conftest import csrf_of, log_in, page_token, refused

TAX_BILL = {"customer_number": "1000000000000002", "confirmation_number": "123456",
            "payment_class": "101"}


def journal_count(world) -> int:
    with world.site.ctx.db.read() as conn:
        return conn.execute(select(func.count()).select_from(journal)).scalar_one()


def to_confirmation(client, world, biller="11111", bill=None) -> tuple[str, str]:
    """(csrf token, the confirmation page) after 収納機関番号 and the bill's numbers."""
    token = page_token(client, "/payeasy")
    response = client.post("/payeasy", data={"csrf_token": token, "biller_number": biller})
    assert response.headers["location"] == "/payeasy/bill"
    account = world.site.payeasy.accounts(world.master)[0]
    response = client.post("/payeasy/bill", data={
        "csrf_token": token, "from_account": str(account.id), **(bill or TAX_BILL)})
    assert response.headers["location"] == "/payeasy/confirm", client.get(
        "/payeasy/bill").text
    return token, client.get("/payeasy/confirm").text


def request_id(page: str) -> str:
    return page.split('name="request_id" value="')[1].split('"')[0]


class TestPayeasyScreens:
    def test_the_manuals_screens_and_a_payment(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        first = client.get("/payeasy").text
        for label in ("税金・各種料金の払込み（ペイジー）", "収納機関番号"):
            assert label in first
        token = csrf_of(first)
        client.post("/payeasy", data={"csrf_token": token, "biller_number": "１１１１１"})
        bill = client.get("/payeasy/bill").text
        for label in ("水戸市 市県民税", "納付番号", "確認番号", "納付区分", "半角数字16桁"):
            assert label in bill
        token, confirm = to_confirmation(client, world)
        for label in ("払込内容確認", "水戸市 市県民税", "38,000円", "確認用パスワード",
                      "ワンタイムパスワード"):
            assert label in confirm
        before = journal_count(world)
        response = client.post("/payeasy/confirm", data={
            "csrf_token": token, "request_id": request_id(confirm),
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert response.headers["location"] == "/payeasy/result"
        result = client.get("/payeasy/result").text
        assert "払込完了" in result
        assert "受付番号" in result
        assert '<dd id="balance-after">4,962,000円' in result
        assert journal_count(world) == before + 1
        # 実行 pressed again: the bill is paid, nothing is booked twice.
        again = client.post("/payeasy/confirm", data={
            "csrf_token": token, "request_id": request_id(confirm),
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        assert again.headers["location"] == "/payeasy"
        assert journal_count(world) == before + 1

    def test_bad_input_is_explained_and_books_nothing(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/payeasy")
        page = refused(client, client.post("/payeasy", data={
            "csrf_token": token, "biller_number": "123"}), "/payeasy")
        assert "収納機関番号は半角数字5桁で入力してください。" in page
        page = refused(client, client.post("/payeasy", data={
            "csrf_token": token, "biller_number": "99999"}), "/payeasy")
        assert "入力された収納機関番号の収納機関はありません。" in page
        client.post("/payeasy", data={"csrf_token": token, "biller_number": "11111"})
        account = world.site.payeasy.accounts(world.master)[0]
        page = refused(client, client.post("/payeasy/bill", data={
            "csrf_token": token, "from_account": str(account.id), **TAX_BILL,
            "confirmation_number": "999999"}), "/payeasy/bill")
        assert "入力された番号に該当する払込みはありません。" in page
        assert 'value="1000000000000002"' in page  # the number is kept, 確認番号 is not
        assert "999999" not in page
        before = journal_count(world)
        token, confirm = to_confirmation(client, world)
        page = refused(client, client.post("/payeasy/confirm", data={
            "csrf_token": token, "request_id": request_id(confirm),
            "confirmation_password": "Master-conf1", "code": wrong(code(secret, clock))}),
            "/payeasy/confirm")
        assert "水戸市 市県民税" in page  # the same pending payment
        assert journal_count(world) == before

    def test_a_post_without_the_form_token_is_refused(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        response = client.post("/payeasy", data={"biller_number": "11111"})
        assert response.status_code == 403
        assert client.get("/payeasy/bill").headers["location"] == "/payeasy"  # no biller kept

    def test_steps_out_of_order_lead_back_to_the_start(self, client, world, clock):
        activate(world, world.master, clock)
        log_in(client, "demo-master")
        for path in ("/payeasy/bill", "/payeasy/confirm", "/payeasy/result"):
            assert client.get(path).headers["location"] == "/payeasy"

    def test_in_english(self, client, world, clock):
        secret = activate(world, world.master, clock)
        log_in(client, "demo-master")
        token = page_token(client, "/top")
        client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/payeasy"})
        assert "Biller number" in client.get("/payeasy").text
        token, confirm = to_confirmation(client, world, "33333", {
            "customer_number": "300000000002", "confirmation_number": "3456"})
        assert "Confirm the payment" in confirm
        assert "Customer number" in confirm
        client.post("/payeasy/confirm", data={
            "csrf_token": token, "request_id": request_id(confirm),
            "confirmation_password": "Master-conf1", "code": code(secret, clock)})
        result = client.get("/payeasy/result").text
        assert "Payment complete" in result
        assert "Receipt number" in result
