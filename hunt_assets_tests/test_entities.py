"""Entity normalization: clear reasons for bad input, canonical forms for good input."""

import pytest

from hunt_assets.entities import InvalidEntity, investigation_key, normalize_domain, parse_entity, refang


@pytest.mark.parametrize(("raw", "host", "kind"), [
    ("HTTP://WWW.Example.COM/path", "www.example.com", "url"),
    ("Example.COM.", "example.com", "domain"),
    ("bücher.de", "xn--bcher-kva.de", "domain"),
    ("hxxps://evil[.]example[.]com/a?b=1", "evil.example.com", "url"),
    ("10.1.2.3", "10.1.2.3", "ip"),
    ("2001:DB8::1", "2001:db8::1", "ip"),
    ("http://[2001:db8::1]:8080/x", "2001:db8::1", "url"),
    ("_dmarc.example.com", "_dmarc.example.com", "domain"),
    ("foo.co.uk", "foo.co.uk", "domain"),
])
def test_valid_entities(raw, host, kind):
    entity = parse_entity(raw)
    assert entity.host == host
    assert entity.kind == kind


@pytest.mark.parametrize(("raw", "reason"), [
    ("exa mple.com", "white space"),
    ("a" * 300 + ".com", "at most 253"),
    ("..com", "empty label"),
    ("com", "bare label or top-level domain"),
    ("co.uk", "public suffix"),
    ("x" * 64 + ".com", "at most 63"),
    ('evil.com" | union DeviceInfo //', "cannot appear in a host name"),
    ('evil.com"|union', "cannot appear in a host name"),
    ("evil\x00.com", "control characters"),
    ("10.0.0.0/8", "IP range"),
    ("http://" + "a" * 10_000 + ".com/", "longer than any entity"),
    ("", "empty"),
    ("-bad-.com", "starts/ends with '-'"),
    ("javascript:alert(1)", "cannot appear"),
])
def test_invalid_entities_have_reasons(raw, reason):
    with pytest.raises(InvalidEntity) as err:
        parse_entity(raw)
    assert reason in err.value.reason


def test_url_host_becomes_investigation_key():
    assert investigation_key("HTTP://WWW.Example.COM/path") == "www.example.com"


def test_refang():
    assert refang("hxxp://a[.]b(.)c[:]80") == "http://a.b.c:80"


def test_normalize_domain_rejects_ip():
    with pytest.raises(InvalidEntity):
        normalize_domain("1.2.3.4")
