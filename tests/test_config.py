"""Settings that the abuse limits and staff sign-in read (the rest are covered through the pages)."""

import pytest

from hcsp_engage import config


def test_trusted_proxy_hops_come_from_the_environment_first_then_secrets_and_default_to_none():
    assert config.load_settings({}, env={}).trusted_proxy_hops == 0
    secrets = {"hcsp": {"trusted_proxy_hops": 1}}
    assert config.load_settings(secrets, env={}).trusted_proxy_hops == 1
    assert config.load_settings(secrets, env={"HCSP_TRUSTED_PROXY_HOPS": "2"}).trusted_proxy_hops == 2


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_trusted_proxy_hops_that_are_not_a_count_are_refused_with_the_setting_named(value):
    with pytest.raises(config.ConfigError, match="HCSP_TRUSTED_PROXY_HOPS"):
        config.load_settings({}, env={"HCSP_TRUSTED_PROXY_HOPS": value})


def test_the_trusted_issuer_is_the_tenant_of_the_sign_in_metadata_or_the_one_named():
    entra = "https://login.microsoftonline.com/hcsp-tenant/v2.0"
    auth = {"auth": {"server_metadata_url": f"{entra}/.well-known/openid-configuration"}}
    roles = {"staff_roles": {"officer": ["a@herefordshire.gov.uk"]}}
    assert config.load_settings(auth | roles, env={}).staff_issuers == (entra,)
    named = {"staff_roles": {"officer": ["a@herefordshire.gov.uk"], "issuer": "https://idp.example.org"}}
    settings = config.load_settings(auth | named, env={})
    assert settings.staff_issuers == ("https://idp.example.org",)
    assert set(settings.staff_emails) == {"officer"}  # "issuer" is not a role
    provider = {"auth": {"microsoft": {"server_metadata_url": f"{entra}/.well-known/openid-configuration"}}}
    assert config.load_settings(provider, env={}).staff_issuers == (entra,)
    assert config.load_settings({}, env={}).staff_issuers == ()
