from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is optional; production takes its settings from the real environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
