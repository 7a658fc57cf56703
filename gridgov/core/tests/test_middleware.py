"""Requests refused before any view: a NUL character."""


def test_a_nul_in_the_query_or_a_form_is_refused_with_a_reason(client):
    for response in (
        client.get("/login/?next=%00"),
        client.post("/p/report/", {"description": "a\x00b"}),
    ):
        assert response.status_code == 400
        assert "NUL" in response.content.decode()
