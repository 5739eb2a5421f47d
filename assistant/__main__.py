"""`python -m assistant` runs the `desk` command line."""

from assistant.cli import main

if __name__ == "__main__":
    main()
