"""Vietnamese first, English through the same catalogues."""


def _login_error(api_client, **headers):
    response = api_client.post(
        "/api/v1/auth/login/", {"username": "khong-co", "password": "sai-mat-khau"}, format="json", **headers
    )
    assert response.status_code == 400
    return response.json()


def test_api_errors_are_vietnamese_by_default(api_client, db):
    body = _login_error(api_client)
    assert body["detail"] == "Dữ liệu gửi lên không hợp lệ."
    assert body["errors"]["non_field_errors"] == ["Tên đăng nhập hoặc mật khẩu không đúng."]


def test_api_errors_in_english_on_request(api_client, db):
    body = _login_error(api_client, HTTP_ACCEPT_LANGUAGE="en")
    assert body["detail"] == "The submitted data is not valid."
    assert body["errors"]["non_field_errors"] == ["Wrong username or password."]


def test_required_field_message_is_vietnamese(api_client, db):
    response = api_client.post("/api/v1/auth/login/", {"username": "x"}, format="json")
    assert response.json()["errors"]["password"] == ["Trường này là bắt buộc."]


def test_login_page_in_both_languages(client, db):
    assert "Mật khẩu" in client.get("/accounts/login/").content.decode()
    assert "Password" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_every_string_has_an_english_translation():
    """The English catalogue is complete and nothing in it is a fuzzy guess."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "locale/en/LC_MESSAGES/django.po").read_text()
    entries = text.split("\n\n")[1:]
    untranslated = [
        e for e in entries if re.search(r'^msgstr ""\s*$', e, re.M) and '"\n"' not in e.split("msgstr")[-1]
    ]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == [] and fuzzy == []
