"""Furniture lines (pipeline/clean/furniture.py): each shape goes, and clean text of the same shape stays."""

from __future__ import annotations

import time

import pytest

from pipeline.blocks import Block, Kind, Verdict
from pipeline.clean import Judged, clean_text, explain
from pipeline.clean import furniture as F

from .conftest import SEEDS

ARTICLE = [
    "The bridge was built in the first century to carry water across the river valley.",
    "Its three tiers of arches rise almost fifty metres above the riverbed below.",
    "Engineers still study how the Roman builders kept such a gentle gradient over fifty kilometres.",
    "The upper channel was lined with mortar and covered by large stone slabs.",
    "Limestone for the arches came from a quarry a short walk downstream.",
    "Flooding in recent centuries damaged the lower piers more than once.",
    "Restoration work in the nineteenth century replaced many of the damaged stones.",
    "Visitors today can walk across the lowest tier, which was widened in the eighteenth century.",
]
MENU = ["Home", "News", "Sport", "Weather", "Contact us", "Sign in", "Subscribe", "Privacy policy",
        "Terms of use", "Cookie settings", "Share on Facebook", "Share on Twitter"]


RELATED = ["Related posts", "Popular", "Latest", "Archive", "Tags", "Categories"]


def _noisy_page(*lines: str) -> str:
    """A page the gate is sure is noisy: menus around an article, the lines under test inside it."""
    return "\n\n".join(MENU + ARTICLE[:4] + list(lines) + ARTICLE[4:] + MENU + RELATED)


def _verdict(page: str, line: str) -> Verdict:
    verdict, judged = explain(page, "text")
    assert "noisy" in verdict and float(verdict.split()[2].rstrip(",")) < 0.07, verdict
    return next(j.verdict for j in judged if j.block.text == line)


# --- each shape -----------------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "IMG_3342-garlic-on-rack.jpg", "Doctor at a desk.png", "Photo: bridge-at-dusk-1920x1080.jpg © Studio Sud",
    "Image: Skeleton_in_museum.jpg - a skeleton in a glass case (photo, CC BY)",
    "[Image: commuters on a bridge at rush hour. Photograph: an agency]",
])
def test_a_media_file_line_is_furniture(line):
    assert F.media_file(line)


@pytest.mark.parametrize("line", [
    "The chart in plot.png shows the error falling after the second epoch.",
    "See logo.png.", "Save the figure as a PNG file before you print it",
    "Photographs of the bridge (taken in 1890) show the arches before the repair.",
    "[figure 4: the repository with two heads after the merge]",
])
def test_a_sentence_about_a_file_is_not(line):
    assert not F.media_file(line)


@pytest.mark.parametrize("line", [
    "Home > Diseases A-Z > F > Fibrous dysplasia", "You are here: Home » Health » Brain & Nerves » a page",
    "Blog / Procedures / Cataract surgery explained", "Home › Drugs A–Z › M › Metformin",
])
def test_a_breadcrumb_is_furniture(line):
    assert F.breadcrumb(line)


@pytest.mark.parametrize("line", [
    "dd / mm / yyyy", "Open Settings > Privacy > Clear data to remove them.",
    "and / or / both", "The ratio fell from 3 / 4 to 1 / 2 over the decade / century",
])
def test_a_path_or_a_sentence_with_separators_is_not_a_breadcrumb(line):
    assert not F.breadcrumb(line)


@pytest.mark.parametrize("line", [
    "Probiotic capsules, 30 — £7.99 [Add to basket]", "#1 Cuff Pro 7 — Best Overall — $64.99 → CHECK PRICE",
    "Rating: 4.9/5 ⭐⭐⭐⭐⭐", "Travellers' Choice 2023 ★★★★★ 4.5/5 (12,348 reviews)",
])
def test_a_price_with_an_action_or_a_rating_is_an_offer(line):
    assert F.offer(line)


@pytest.mark.parametrize("line", [
    "$199 billion", "Estimate: $8,000 to $12,000", "The ticket costs £7.50 and children go free.",
    "Lung transplantation is an option for women with advanced disease. Rate this article ★★★★☆ (4.2 / 5)",
    "Scores ranged from 3/5 to 5/5 in the pilot.", "Dose: 2.5/5 mL twice daily",
])
def test_a_price_or_a_score_in_the_text_is_not_an_offer(line):
    assert not F.offer(line)


@pytest.mark.parametrize("line", [
    "Joined: Jun 2016 Posts: 4,871 Reaction score: 9,302", "Joined: Nov 2022    Posts: 41",
    "maple_jo", "DrKwame_RPh",
])
def test_member_metadata_and_handles_are_furniture(line):
    assert F.member(line)


@pytest.mark.parametrize("line", [
    "Posted: 08/09/2012 4:03 pm Updated: 08/09/2012 4:25 pm", "Prevalence: 1 in 2 million",
    "Studies included: 15", "Maria", "Ontario", "Height: 48.8 m, arches: 6 on the lower tier.",
])
def test_a_record_field_or_a_name_is_not_member_metadata(line):
    assert not F.member(line)


def test_pictograph_download_and_hours_lines():
    assert F.pictograph("🔥 LIMITED TIME: 15% off at checkout! 🔥") and F.pictograph("🔍 Search the collection")
    assert not F.pictograph("Search the collection") and not F.pictograph("12 ★ reviews")
    assert F.download("Download our checklist (PDF, 240 KB)") and not F.download("The file is 240 KB.")
    assert F.hours("Opening hours today: 9:00 – 19:00 | Last admission 18:00")
    assert F.hours("Call us on 0330 088 4127 (Mon-Fri 8am-7pm, Sat 9am-4pm)")
    for text in ("Ages 6-12", "The 2010-2014 results", "Version 1.2-1.4", "pages 12.5-13", "Score 3-2 in 1990-1991",
                 "The clinic is open 9:00 – 17:00 on weekdays."):
        assert not F.hours(text), text


def _blocks(*texts: str, kind: Kind = Kind.PARAGRAPH) -> list[Block]:
    return [Block(Kind.HEADING if t.startswith("#") else kind, t.lstrip("# ")) for t in texts]


def test_a_table_of_contents_is_numbered_titles_said_again_as_headings():
    blocks = _blocks("1 History", "2 Construction", "3 Restoration", "4 Visiting", ARTICLE[0],
                     "# History", ARTICLE[1], "# Construction", ARTICLE[2], "# Restoration", ARTICLE[3],
                     "# Visiting", ARTICLE[4])
    assert F.contents_entries(blocks) == {0, 1, 2, 3}
    one_line = _blocks("Contents: 1 History · 2 Construction · 3 Restoration", "# History", ARTICLE[0],
                       "# Construction", ARTICLE[1], "# Restoration", ARTICLE[2])
    assert F.contents_entries(one_line) == {0}


def test_contents_whose_headings_end_in_a_link_are_contents():
    # a wiki mirror's headings keep an edit link normalize does not know (labelled set d's
    # encyclopedia page kept its seven entries: they never matched "History [modify | history]")
    blocks = _blocks("1 History", "2 Construction", "3 Restoration", ARTICLE[0], "# History [modify | history]",
                     ARTICLE[1], "# Construction [modify | history]", ARTICLE[2], "# Restoration [modify | history]",
                     ARTICLE[3])
    assert F.contents_entries(blocks) == {0, 1, 2}


def test_a_numbered_list_or_repeated_lines_are_not_contents():
    # numbered steps whose words never come back as headings
    steps = _blocks("1 Mix the flour", "2 Add the water", "3 Knead for ten minutes", "# Baking", ARTICLE[0])
    assert F.contents_entries(steps) == set()
    # a live blog's "2 minutes ago" lines, said again and again, numbers not ascending as sections do
    stamps = _blocks("23 seconds ago", "2 minutes ago", "2 minutes ago", "13 Fans", "2 minutes ago",
                     ARTICLE[0], "2 minutes ago", "13 Fans")
    assert F.contents_entries(stamps) == set()


# --- the pass -------------------------------------------------------------------------------


def test_furniture_lines_go_on_a_noisy_page_with_their_reason():
    lines = ["Home > Heritage sites > Gard > The bridge", "bridge-at-dusk-1920x1080.jpg",
             "Guide book, 120 pages — £7.99 [Add to basket]"]
    page = _noisy_page(*lines)
    verdicts = [_verdict(page, line) for line in lines]
    assert not any(v.keep for v in verdicts), verdicts
    # each one the scorers kept goes as furniture, with its rule as the reason
    kept = [Judged(Block(Kind.PARAGRAPH, line), Verdict(True, "model", "high")) for line in lines]
    rules = [j.verdict.reason.split(":")[0] for j in F.drop_furniture_lines(kept, noisy=True)]
    assert rules == ["breadcrumb", "media_file", "offer"]
    kept = clean_text(page).text
    assert all(s in kept for s in ARTICLE)


def test_on_a_page_the_gate_is_unsure_of_only_media_file_names_go():
    """The shape rules run where the gate is sure the page is noisy; a wiki article's gold text
    with its contents, on a page the gate is unsure of, keeps them."""
    lines = ["Home > Heritage sites > Gard > The bridge", "Guide book, 120 pages — £7.99 [Add to basket]"]
    page = "\n\n".join(MENU[:6] + ARTICLE[:4] + lines + ["bridge-at-dusk-1920x1080.jpg"] + ARTICLE[4:] + MENU[6:])
    verdict, judged = explain(page, "text")
    assert "noisy" in verdict and float(verdict.split()[2].rstrip(",")) >= 0.07, verdict
    by_text = {j.block.text: j.verdict for j in judged}
    assert all(by_text[line].by != "furniture" for line in lines)
    assert by_text["bridge-at-dusk-1920x1080.jpg"].by == "furniture"


def test_clean_text_of_the_same_shapes_stays_whole():
    """On a page the gate calls clean, only media file names go: a price list, a path of menus, a
    numbered list are the writer's."""
    note = ("Museum visit\n\nTickets\n\nAdults £7.50 [cash only]\n\nChildren £3.50 [cash only]\n\n"
            "To change the language, open Settings > Language > English on the kiosk.\n\n"
            "1 Meet at the gate\n\n2 Buy tickets\n\n3 Walk to the bridge\n\n"
            "We will meet at the gate at ten and walk to the bridge together.")
    doc = clean_text(note)
    for line in ("Adults £7.50 [cash only]", "Children £3.50 [cash only]", "Settings > Language > English",
                 "1 Meet at the gate", "3 Walk to the bridge"):
        assert line in doc.text, line


def test_a_pass_keeps_what_other_passes_dropped_dropped_and_leaves_code_alone():
    judged = [Judged(Block(Kind.PARAGRAPH, "photo.jpg"), Verdict(False, "model", "low")),
              Judged(Block(Kind.CODE, "cp photo.jpg out/"), Verdict(True, "reader", "code")),
              Judged(Block(Kind.PARAGRAPH, "photo.jpg"), Verdict(True, "model", "high"))]
    out = F.drop_furniture_lines(judged, noisy=True)
    assert out[0] is judged[0] and out[1] is judged[1]
    assert not out[2].verdict.keep and out[2].verdict.reason.startswith("media_file")


def test_the_seeds_lose_their_image_file_names():
    text = clean_text((SEEDS / "000_c69c18c8cd78b24d.txt").read_text(encoding="utf-8")).text
    assert "Doctor showing form.jpg" not in text and "Wiki.png" not in text


def test_a_list_most_of_whose_entries_stay_keeps_them_all_on_a_noisy_page():
    """Seed 002: a synonyms list running into a fact sheet's label: value entries (kept as one record)."""
    text = clean_text((SEEDS / "002_55a4466ce43109b8.txt").read_text(encoding="utf-8")).text
    for entry in ("Anti-SRP myopathy", "Autoimmune necrotizing myositis", "Immune myopathy with myocyte necrosis"):
        assert f"- {entry}" in text


@pytest.mark.parametrize("shape", ["a" * 100_000, "a.jpg " * 20_000, ("x > " * 30_000) + "y", "1 " * 50_000,
                                   "[Image: " * 12_000, "9:00-" * 20_000, "Posts: 1 " * 12_000, "£1 " * 30_000])
def test_the_shapes_take_linear_time(shape):
    def cost(text: str) -> float:
        start = time.process_time()
        for test in (F.media_file, F.breadcrumb, F.offer, F.member, F.pictograph, F.download, F.hours):
            test(text)
        F.contents_entries([Block(Kind.PARAGRAPH, text)])
        return time.process_time() - start

    small, big = cost(shape[: len(shape) // 10]), cost(shape)
    assert big < 0.5 or big < 30 * max(small, 0.005), (small, big)
