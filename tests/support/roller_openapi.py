"""Where ROLLER's official OpenAPI files are: vendored in tests/fixtures/roller-openapi/ (see
its README for their source), so a clone of this repository alone runs every contract test."""

from pathlib import Path

ROLLER_OPENAPI_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "roller-openapi"
