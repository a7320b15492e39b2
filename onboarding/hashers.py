"""A light hasher for one-time passwords.

They are random (12 characters of 31, ≈ 59 bits), so their strength is their entropy, not the hash's cost; a sheet makes
thousands at once and the default PBKDF2 (about a second of CPU each, on purpose) would take hours.
Django re-hashes a password with the first (default) hasher at its first successful login, so a
person's own password never sits under this one.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_onetime"
    iterations = 1_000
