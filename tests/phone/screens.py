"""What a volunteer does on the phone app, as steps the browser tests share."""

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "mat-khau-123"

# Counts of the app's IndexedDB tables, read straight from the browser (not through the app's code).
IDB_COUNTS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('cnscd-phone');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const counts = {};
  for (const name of db.objectStoreNames) {
    counts[name] = await new Promise((resolve) => {
      const request = db.transaction(name).objectStore(name).count();
      request.onsuccess = () => resolve(request.result);
    });
  }
  db.close();
  return counts;
}"""


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # A tap dismisses the "saved" message that would cover the screen (it may be fading out already).
    page.evaluate(
        "() => { const toast = document.querySelector('[data-testid=toast]'); if (toast) toast.click(); }"
    )
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"))


def sign_in(page, username: str, password: str = PASSWORD, *, expect_list: bool = True) -> None:
    page.goto(f"{page.base}/app/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    if expect_list:
        page.wait_for_selector("[data-household]")
        wait_synced(page)
        # The first install takes the page over (clientsClaim): from here on it opens offline.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def wait_synced(page, timeout: float = 15_000) -> None:
    """Until the last sync finished and nothing of this volunteer waits."""
    # A function, not an expression: the app's CSP forbids eval, and Playwright would eval a bare string.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=sync-pill]') && "
        "!document.querySelector('[data-testid=waiting-count]') && "
        "!document.querySelector('[data-testid=sync-pill]').textContent.includes('Đang đồng bộ')",
        timeout=timeout,
    )


def sync_now(page) -> None:
    """Tap "sync now" on the sync screen and wait for that sync (not an earlier one) to finish."""
    page.goto(f"{page.base}/app/#/sync")
    status = page.locator("[data-testid=sync-status]")
    before = status.get_attribute("data-last-sync")
    page.click("[data-testid=sync-now]")
    page.wait_for_function(
        "before => { const s = document.querySelector('[data-testid=sync-status]');"
        " return s.dataset.lastSync !== before && !s.dataset.running; }",
        arg=before,
        timeout=15_000,
    )


def waiting(page) -> int:
    badge = page.locator("[data-testid=waiting-count]")
    if badge.count() == 0:
        return 0
    return int(badge.inner_text().split()[0])


def open_household(page, household_id) -> None:
    page.goto(f"{page.base}/app/#/")
    page.click(f"[data-household='{household_id}']")
    page.wait_for_selector("[data-testid=save-visit]")


def log_visit(
    page, household_id, *, outcome: str | None = None, help: dict | None = None, screenshot: str = ""
) -> None:
    """Three taps: the household in the list, each service (and its result if not done), save."""
    open_household(page, household_id)
    if outcome:
        page.get_by_role("radio", name=outcome).click()
    for service, result in (help or {}).items():
        page.click(f"button[data-service='{service}']")
        if result != "done":
            page.click(f"li:has(button[data-service='{service}']) button[data-result='{result}']")
    if screenshot:
        shot(page, screenshot)
    page.click("[data-testid=save-visit]")
    page.wait_for_selector("[data-testid=households]")


def idb_counts(page) -> dict:
    return page.evaluate(IDB_COUNTS)
