"""`python -m integrations.roller.sandbox`: the sandbox without Django."""

from .cli import main

if __name__ == "__main__":
    main()
