from tests.conftest import open_page


def test_home_offers_the_three_resident_actions_and_the_emergency_notice():
    at = open_page()
    assert not at.exception
    links = [element.proto.label for element in at.get("page_link")]
    assert {"Start the survey", "Report a concern", "Open the map"} <= set(links)
    assert any("call 999 in an emergency" in warning.value for warning in at.warning)
    assert any("Crimestoppers 0800 555 111" in warning.value for warning in at.warning)
