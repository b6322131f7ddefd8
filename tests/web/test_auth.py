from hcsp_engage.web import auth


def test_roles_come_from_the_email_lists_whatever_the_case():
    lists = {"officer": ("Ann@Council.gov.uk",), "board": ("ann@council.gov.uk", "bob@nhs.net")}
    assert auth.roles_for_email("ANN@council.gov.uk", lists) == ["officer", "board"]
    assert auth.roles_for_email("bob@nhs.net", lists) == ["board"]
    assert auth.roles_for_email("eve@example.com", lists) == []
    assert auth.roles_for_email("", lists) == []
