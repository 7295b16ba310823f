"""Where ROLLER's official OpenAPI files are: the `shared/` folder beside this repository
(as laid for developers and CI), unless ROLLER_OPENAPI_DIR says otherwise."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def roller_openapi_dir() -> Path:
    candidates = [os.environ.get("ROLLER_OPENAPI_DIR"), REPO_ROOT.parent / "shared" / "roller-openapi"]
    candidates.append("/work/shared/roller-openapi")
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return REPO_ROOT.parent / "shared" / "roller-openapi"
