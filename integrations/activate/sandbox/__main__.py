"""`python -m integrations.activate.sandbox`: the stand-in without Django."""

from .cli import main

if __name__ == "__main__":
    main()
