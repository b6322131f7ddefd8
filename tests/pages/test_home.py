from tests.conftest import open_page


def test_home_offers_the_three_resident_actions_and_the_emergency_notice():
    at = open_page()
    assert not at.exception
    links = {element.proto.label: element.proto.page for element in at.main.get("page_link")}
    assert links == {"Start the survey": "survey", "Report a concern": "report", "Open the map": "map"}
    assert any("call 999 in an emergency" in warning.value for warning in at.warning)
    assert any("Crimestoppers 0800 555 111" in warning.value for warning in at.warning)
