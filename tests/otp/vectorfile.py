"""Reading the `NAME = VALUE` vector files in tests/vectors/."""

from pathlib import Path

VECTORS = Path(__file__).parent.parent / "vectors"


def load_vectors(name: str) -> list[dict[str, str]]:
    """The blocks of tests/vectors/`name`, each a dict; `#` lines and blank lines skipped.

    A block is a run of `NAME = VALUE` lines ended by a blank line or the end of file.
    """
    blocks: list[dict[str, str]] = []
    block: dict[str, str] = {}
    for number, raw in enumerate((VECTORS / name).read_text("utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if block:
                blocks.append(block)
            block = {}
            continue
        field, separator, value = line.partition(" = ")
        if not separator or field in block:
            raise ValueError(f"{name}:{number}: expected a new `NAME = VALUE`, got {raw!r}")
        block[field] = value
    if block:
        blocks.append(block)
    return blocks


def vector_id(vector: dict[str, str]) -> str:
    """A short, readable test id for a vector."""
    fields = ("SUITE", "ALGORITHM", "TIME", "COUNTER", "QUESTION")
    return "-".join(vector[field] for field in fields if field in vector)
