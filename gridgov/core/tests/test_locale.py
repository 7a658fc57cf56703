def test_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"


def test_english_when_the_user_chose_it(client):
    client.cookies["django_language"] = "en"
    response = client.get("/login/")
    assert response["Content-Language"] == "en"
