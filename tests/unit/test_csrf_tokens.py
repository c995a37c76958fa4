from app.web.csrf import (
    _ALPHABET,
    SECRET_LENGTH,
    _CsrfState,
    _new_secret,
    csrf_token,
    mask,
    rotate_csrf_secret,
    token_matches,
    unmask,
)


def test_masked_tokens_differ_each_time_but_unmask_to_the_secret():
    secret = "a" * 16 + "B" * 16
    first, second = mask(secret), mask(secret)
    assert first != second and len(first) == 64
    assert unmask(first) == unmask(second) == secret
    assert token_matches(first, secret) and token_matches(secret, secret)


def test_malformed_or_foreign_tokens_do_not_match():
    secret = "c" * 32
    assert not token_matches("", secret)
    assert not token_matches("short", secret)
    assert not token_matches("!" * 64, secret)
    assert not token_matches(mask("d" * 32), secret)


def test_one_response_masks_once_and_a_new_response_gets_a_new_mask():
    scope = {"state": {"emporium_csrf": _CsrfState("e" * 32)}}
    first = csrf_token(scope)  # type: ignore[arg-type]
    assert csrf_token(scope) == first  # type: ignore[arg-type]
    assert token_matches(first, "e" * 32)
    next_response = {"state": {"emporium_csrf": _CsrfState("e" * 32)}}
    assert csrf_token(next_response) != first  # type: ignore[arg-type]


def test_rotating_the_secret_drops_the_token_masked_before():
    scope = {"state": {"emporium_csrf": _CsrfState("f" * 32)}}
    before = csrf_token(scope)  # type: ignore[arg-type]
    rotate_csrf_secret(scope)  # type: ignore[arg-type]
    after = csrf_token(scope)  # type: ignore[arg-type]
    state = scope["state"]["emporium_csrf"]
    assert after != before and state.secret != "f" * 32
    assert token_matches(after, state.secret) and not token_matches(before, state.secret)


def test_new_secrets_use_the_whole_alphabet_and_only_it():
    drawn = "".join(_new_secret() for _ in range(200))
    assert set(drawn) == set(_ALPHABET)
    assert all(len(_new_secret()) == SECRET_LENGTH for _ in range(20))
