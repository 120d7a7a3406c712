"""Every free-text form the issue's trial found leaking is masked by :func:`mask_text`.

Each form is a line written in a real script or comment; the secret in it must not
survive masking, whatever it is next to. These all leaked before the forms were added.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.base import masking
from wizard.base.masking import KNOWN_SECRETS, mask_text

SECRET = "Kq7vR2mXp9Lw"
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"

FORMS: dict[str, tuple[str, str]] = {
    "mysql -pPASS": (f"mysql -h db -uroot -p{SECRET} app < dump.sql", SECRET),
    "mysqldump -p'PASS'": (f"mysqldump -uroot -p'{SECRET}' app", SECRET),
    "curl -u user:pass": (f"curl -u deploy:{SECRET} https://example.com/api", SECRET),
    "curl --user user:pass": (f'curl --user "deploy:{SECRET}" https://x', SECRET),
    "--password-stdin here-string": (
        f'docker login -u ci --password-stdin registry <<< "{SECRET}"',
        SECRET,
    ),
    "echo | --password-stdin": (f"echo '{SECRET}' | docker login --password-stdin r", SECRET),
    "export DB_PASS": (f"export DB_PASS={SECRET}", SECRET),
    "export quoted": (f'export MYSQL_ROOT_PASSWORD="{SECRET}"', SECRET),
    "Authorization Basic": (f'curl -H "Authorization: Basic {SECRET}="', SECRET),
    "Authorization token": (f"Authorization: token {SECRET}", SECRET),
    "netrc password": (f"machine gitlab.example.com login ci password {SECRET}", SECRET),
    "aws configure set": (f"aws configure set aws_secret_access_key {SECRET}", SECRET),
    "redis://:pass@": (f"redis://:{SECRET}@cache:6379/0", SECRET),
    "postgres password with @": (f"postgresql://app:p@ss{SECRET}@db/app", SECRET),
    "upper-case GLPAT": (f"GLPAT-{SECRET}abcd", SECRET),
    "glft token": (f"glft-{SECRET}abcd", SECRET),
    "PEM private key": (
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----",
        PEM_BODY,
    ),
    "*_PW=": (f"GPG_PW={SECRET} gpg --batch", SECRET),
    "PASSPHRASE": (f"DEPLOY_PASSPHRASE={SECRET}", SECRET),
    "SIGNING_KEY": (f"SIGNING_KEY={SECRET}", SECRET),
    "lower-case passphrase": (f"passphrase: {SECRET}", SECRET),
    "Azure AccountKey": (
        f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={SECRET}==;EndpointSuffix=x",
        SECRET,
    ),
    "SAS sig=": (f"https://a.blob.example.net/c?sv=2022&sig={SECRET}%3D&se=2030", SECRET),
    "X-Amz-Signature=": (f"https://b.s3.example.com/k?X-Amz-Signature={SECRET}", SECRET),
    "single word after password:": ("password: hunterhunter", "hunterhunter"),
    "single lower-case word after token:": ("token: correcthorse", "correcthorse"),
    "PRIVATE-TOKEN header": (f'curl --header "PRIVATE-TOKEN: {SECRET}" https://x', SECRET),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_free_text_form_is_masked(name: str) -> None:
    text, secret = FORMS[name]
    assert secret not in mask_text(text), mask_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "ssh -p 22 host",
        "docker run -p 8080:80 nginx",
        "mkdir -p /builds/cache",
        "docker run -u 1000:1000 image",
        "export GIT_AUTHOR_NAME=bot",
        "export CACHE_PATH=/cache",
        'curl -H "Authorization: Bearer $CI_JOB_TOKEN" https://x',
        "docker login --password-stdin",
        "token: (not set) → false",
    ],
)
def test_ordinary_script_lines_stay_readable(text: str) -> None:
    assert mask_text(text) == text


def test_a_pem_key_keeps_its_lines() -> None:
    text = f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n"
    masked = mask_text(text)
    assert masked.count("\n") == text.count("\n")
    assert masked.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert masked.rstrip().endswith("-----END PRIVATE KEY-----")


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "glpat-",
                "GLPAT_",
                "glrt-",
                "AKIA",
                "npm_",
                "xoxb-",
                "GR1348941",
                "ghp_",
                "password",
                "token",
                "-p",
                "--password",
                "bearer",
                "sig",
                "mysql",
                "AAAAAAAAAAAAAAAAAAAA",
                "abc123",
                "/",
                ".",
                "_",
                "-",
                "+",
                "~",
                "x",
            ]
        ),
        max_size=8,
    ).map("".join)
)
def test_one_word_is_masked_as_the_full_pass_masks_it(word: str) -> None:
    """A name or path without a space or separator takes a short way through the masker;
    it must come out as the full pass would make it."""
    KNOWN_SECRETS.remember("AAAAAAAAAAAAAAAAAAAA-known")
    try:
        assert mask_text(word) == masking._mask_free_text(word)
    finally:
        KNOWN_SECRETS.clear()
