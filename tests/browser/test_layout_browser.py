"""Layout on a small phone: large text never scrolls sideways, and every control is big enough to tap.

Both tests walk every patient page once, in one browser context each: the landing page, the pages its
footer links to (about, privacy...), a not-found page, every step (the 0-10 scales of the `peg` step
also with their error messages, which make them narrower), the urgent stop, the summary with its folded
sections open, the request form (empty, then with its errors), the confirmation and the summary seen
from it, and the under-18 stop.
"""

import pytest

from screening import questionnaire

from ..answers import EVERY_FLAG, likely
from .test_patient_browser import continue_, fill_step

pytestmark = pytest.mark.browser

q = questionnaire.current()

PHONE = {"width": 360, "height": 740}
MIN_TARGET = 44  # CSS px, WCAG 2.5.5 (AAA) and the platforms' own guidance; 2.5.8 (AA) asks for 24

# Emulating "text at 200%". The stylesheet sizes everything in rem from `html { font-size: 100% }`, so
# what matters is what a browser's text-size setting changes: the default font size ("medium"), which
# Chrome's and Firefox's font-size settings set, and which rem, em and the em/rem of media queries all
# follow. CDP's Page.setFontSizes sets exactly that preference, before the first paint, and it stays
# for every later navigation (a full-page screenshot resets it: take none here). The alternatives are
# worse: `page.add_style_tag("html{font-size:200%}")` must be repeated after each navigation, tests a
# page first laid out at 100%, and leaves media queries at 16px ems (a `min-width: 40em` query would
# still switch at 640px, not at the 1280px a real setting gives); browser zoom (Ctrl +) is not text
# size at all, it shrinks the CSS viewport (the 320px reflow case in test_patient_browser.py). Every
# page checks that the root font size really is 32px, so the emulation cannot silently stop applying.
LARGE_TEXT_PX = 32

# Everything a finger or a pointer can activate. Elements with tabindex=-1 (main, the error summary,
# the honeypot) are focus targets for scripts, not controls. A target must hold a 44x44 box, must not
# overlap another target, and a tap anywhere in it (centre and corners) must reach it, not something
# drawn on top. Off-screen until focused, the skip link is measured but not tapped.
MEASURE_TARGETS = """(minimum) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
      + (text ? ' "' + text.slice(0, 40) + '"' : '');
  };
  const size = (r) => `${Math.round(r.width * 10) / 10}x${Math.round(r.height * 10) / 10}`;
  const inside = (outer, inner) => outer.left <= inner.left + 0.5 && outer.top <= inner.top + 0.5
    && outer.right >= inner.right - 0.5 && outer.bottom >= inner.bottom - 0.5;
  // A link that wraps has a box per line: the largest is the one a finger aims at.
  const largest = (el) => [...el.getClientRects()].reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b));
  const small = [], targets = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.getAttribute('tabindex') === '-1' || el.closest('[aria-hidden="true"], [inert]')) continue;
    if (el.disabled || !el.checkVisibility({visibilityProperty: true})) continue;
    if (!el.getClientRects().length || !el.getBoundingClientRect().width) continue;
    let target = el, name = describe(el);
    if (el.matches('input[type=radio], input[type=checkbox]')) {
      // Clicking the label toggles the input: the target is the label's box, if it holds the input.
      const box = el.getBoundingClientRect();
      const label = [...el.labels].find((l) => inside(l.getBoundingClientRect(), box));
      name += el.labels.length ? ' (label "' + el.labels[0].innerText.trim().slice(0, 40) + '")' : '';
      if (!label) {
        small.push(`${name}: ${size(box)}, and no label box contains it`);
        continue;
      }
      target = label;
    } else if (el.tagName === 'A' && !el.closest('header, nav, footer')) {
      // WCAG 2.5.8's inline exception: a link in a sentence, sized by the lines of text around it.
      const p = el.closest('p');
      if (p && p.innerText.trim().length > el.innerText.trim().length) continue;
    }
    const box = largest(target);
    if (box.width < minimum - 0.01 || box.height < minimum - 0.01) small.push(`${name}: ${size(box)}`);
    targets.push({el, target, name, box});
  }
  // Big targets that overlap are not big: a tap on the overlap may hit either one.
  const overlapping = [];
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      const a = targets[i].box, b = targets[j].box;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) {
        overlapping.push(`${targets[i].name} and ${targets[j].name} overlap by ${size({width: w, height: h})}`);
      }
    }
  }
  const covered = [];
  for (const {el, target, name} of targets) {
    target.scrollIntoView({block: 'center'});
    const r = largest(target);
    if (r.left < 0 || r.right > window.innerWidth) continue;  // the skip link, until it has focus
    const points = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + 3, r.top + 3], [r.right - 3, r.top + 3],
                    [r.left + 3, r.bottom - 3], [r.right - 3, r.bottom - 3]];
    for (const [x, y] of points) {
      const hit = document.elementFromPoint(x, y);
      if (!hit || !(target.contains(hit) || hit === el)) {
        const where = `${Math.round(x - r.left)},${Math.round(y - r.top)}`;
        covered.push(`${name}: a tap at ${where} in its box reaches ${hit ? describe(hit) : 'nothing'}`);
        break;
      }
    }
  }
  window.scrollTo(0, 0);
  return {small, overlapping, covered, measured: targets.length};
}"""

# What sticks out past the right edge of the viewport, for the failure message.
WIDER_THAN_VIEWPORT = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 0.5 && !el.closest('.skip-link, .visually-hidden, .honeypot')) {
      const parent = el.parentElement.getBoundingClientRect();
      if (parent.right <= width + 0.5) {  // only the outermost offender of each branch
        const name = el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '');
        const text = el.innerText.trim().slice(0, 40);
        out.push(`${name} "${text}" ${Math.round(r.width)}px wide, right edge at ${Math.round(r.right)}px`);
      }
    }
  }
  return out.slice(0, 10);
}"""


def fill_request(page, name):
    """The details a request needs, then the first choice of every group still empty, by tapping its label
    as a patient does: the form gains questions often, and this test is about layout, not about them."""
    for field, value in {
        "full_name": name,
        "phone": "(202) 555-0143",
        "email": "robin@example.com",
        "date_of_birth-month": "7",
        "date_of_birth-day": "4",
        "date_of_birth-year": "1961",
    }.items():
        page.locator(f"#{field}").fill(value)
    groups = page.eval_on_selector_all(
        "form input[type=radio], form input[type=checkbox]",
        "(inputs) => [...new Set(inputs.filter((i) => i.checkVisibility()).map((i) => i.name))]",
    )
    for name_ in groups:
        group = page.locator(f"input[name='{name_}']")
        if not any(box.is_checked() for box in group.all()):
            page.locator(f"label[for='{group.first.get_attribute('id')}']").click()


def open_folded(page):
    """Open every folded section (`details`), by tapping its `summary`, so that what is inside is measured."""
    closed = page.locator("details:not([open]) > summary")
    for _ in range(closed.count()):
        closed.first.click()


def walk(page, base_url, check):
    """Visit every patient page and call `check(page)` on each; returns the paths checked."""
    seen = []

    def visit():
        page.wait_for_load_state()  # a click returns once the next page has started: wait for its stylesheet
        check(page)
        seen.append(page.url.removeprefix(base_url))

    page.goto(base_url + "/")
    visit()
    footer = page.eval_on_selector_all("footer a[href^='/']", "(links) => links.map((a) => a.getAttribute('href'))")
    for path in dict.fromkeys(["/about-the-procedure", "/privacy", *footer, "/no-such-page"]):
        page.goto(base_url + path)
        visit()

    page.goto(base_url + "/")
    page.get_by_role("button", name="Start the screening").click()
    for step in q.steps_that_apply(EVERY_FLAG):  # the answers that reveal the most follow-up questions
        assert page.url.endswith(f"/step/{step.id}"), page.url
        if any(item.type == questionnaire.SCALE for item in step.items):
            continue_(page)  # nothing chosen: the scales with a red bar and an error each, a little narrower
            assert page.locator(".error-summary").is_visible()
            visit()
        fill_step(page, step, EVERY_FLAG)
        visit()  # after answering, so the follow-up questions it revealed are on the page too
        continue_(page)
        if page.url.endswith("/get-care-now"):
            visit()
            page.get_by_role("link", name="Continue").click()
    assert page.url.endswith("/summary"), page.url
    open_folded(page)
    visit()

    page.get_by_role("link", name="Request a consultation").first.click()
    visit()
    page.get_by_role("button", name="Send my request").click()  # nothing filled in: every error
    page.locator(".error-summary").wait_for()
    visit()
    fill_request(page, name=f"Robin Layout {check.__name__}")
    page.get_by_role("button", name="Send my request").click()
    assert page.url.endswith("/done"), page.inner_text("main")[:1500]
    visit()
    own_summary = page.get_by_role("link", name="See or print your screening summary")
    if own_summary.count():  # the summary again, as sent, in the visit that sent it
        own_summary.click()
        open_folded(page)
        visit()
        page.go_back()

    page.get_by_role("button", name="Forget this device").click()
    page.get_by_role("button", name="Start the screening").click()
    under_18 = likely(age_band="under_18")
    for step in q.steps[:2]:
        fill_step(page, step, under_18)
        continue_(page)
    assert page.url.endswith("/adults-only"), page.url
    visit()
    return seen


def assert_walked_everywhere(seen):
    required = {"/", "/about-the-procedure", "/privacy", "/get-care-now", "/summary", "/request", "/done"}
    required |= {"/adults-only"} | {f"/step/{step.id}" for step in q.steps_that_apply(EVERY_FLAG)}
    assert required <= set(seen), sorted(required - set(seen))


def report(problems):
    """One line per problem, with the pages it is on: the header and footer are on all of them."""
    pages = {}
    for path, problem in problems:
        pages.setdefault(problem, []).append(path)
    return "\n".join(
        f"{problem}  [{len(paths)} pages: {', '.join(paths)}]" if len(paths) > 1 else f"{problem}  [{paths[0]}]"
        for problem, paths in pages.items()
    )


def test_large_text_on_a_small_phone_never_scrolls_sideways(context_factory, live_server, assert_accessible):
    context = context_factory(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": LARGE_TEXT_PX}})
    problems, scales = [], []

    def large_text(current):
        path = current.url.removeprefix(live_server.url)
        assert current.evaluate("getComputedStyle(document.documentElement).fontSize") == f"{LARGE_TEXT_PX}px", path
        # With is_mobile, Chromium widens the layout viewport to fit content that sticks out, and then
        # scrollWidth == innerWidth whatever the overflow: innerWidth must still be the phone's width.
        width, inner = current.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner or inner != PHONE["width"]:
            wider = current.evaluate(WIDER_THAN_VIEWPORT, PHONE["width"])
            problems.append(
                (
                    path,
                    f"scrolls sideways: {width}px wide, innerWidth {inner}:"
                    + "".join(f"\n    {element}" for element in wider),
                )
            )
        for scale in current.locator(".scale").all():
            # Still one group: the scale, its anchors and its legend in one fieldset, on the screen.
            group = scale.evaluate("""(s) => {
              const f = s.closest('fieldset'), r = s.getBoundingClientRect();
              const tops = [...s.querySelectorAll('.option')].map((o) => Math.round(o.getBoundingClientRect().top));
              return {legend: !!f.querySelector(':scope > legend'),
                      anchors: !!f.querySelector(':scope > .scale-anchors'),
                      left: r.left, right: r.right, rows: new Set(tops).size};
            }""")
            if not (group["legend"] and group["anchors"] and group["left"] >= 0 and group["right"] <= PHONE["width"]):
                problems.append((path, f"a 0-10 scale is not one group on the screen: {group}"))
            scales.append(group["rows"])
        try:
            assert_accessible(current)
        except AssertionError as failure:
            problems.append((path, f"axe: {failure}"))

    seen = walk(page, live_server.url, large_text)
    assert_walked_everywhere(seen)
    assert not problems, f"at {LARGE_TEXT_PX}px text on a {PHONE['width']}px phone:\n" + report(problems)
    assert len(scales) == 6 and min(scales) > 1, scales  # 3 scales, with and without errors; in rows


def test_every_control_is_at_least_44px_square(context_factory, live_server):
    page = context_factory(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    problems, counts = [], {}

    def tap_targets(current):
        found = current.evaluate(MEASURE_TARGETS, MIN_TARGET)
        path = current.url.removeprefix(live_server.url)
        counts[path] = found["measured"]
        problems.extend((path, problem) for problem in found["small"] + found["overlapping"] + found["covered"])

    seen = walk(page, live_server.url, tap_targets)
    assert_walked_everywhere(seen)
    assert min(counts.values()) >= 3, counts  # header and footer links at least: the measuring found them
    assert not problems, (
        f"tap targets smaller than {MIN_TARGET}x{MIN_TARGET} CSS px, overlapping or covered "
        f"on a {PHONE['width']}px phone:\n" + report(problems)
    )
