from app.web.csrf import mask, token_matches, unmask


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
