def test_landing_page_in_chromium(page, live_server, assert_accessible):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Could a medial branch block")
    assert page.get_by_role("button", name="Start the screening").is_visible()
    assert_accessible(page)
