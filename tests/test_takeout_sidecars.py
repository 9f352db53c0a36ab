"""The decision table "which sidecar belongs to this member" (sources/takeout/sidecar_match.py),
case by case, as real exports name things (cases from immich-go's and
GooglePhotosTakeoutHelper's users), each imported from a zip part and from an unpacked folder."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from photofs.jobs.import_takeout import import_takeout
from photofs.sources.takeout.sidecar_match import cut, find_sidecar, sidecar_stem, unedited, utf16_len
from photofs.sources.takeout.titles import safe_original_name
from takeout_builder import Takeout, sidecar, ts

Y = "Photos from 2020"
EMOJI_TITLE = ("😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛😝😜🤪🤨🧐🤓😎🥸🤩🥳😏😒😞😔😟😕🙁☹️😣😖😫😩"
               "🥺😢😭😤😠😡🤬🤯😳🥵🥶.jpg")
BACKYARD = "Backyard_ceremony_wedding_photography_xxxxxxx_"
UUID = "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_"
LAKE = "Summer holiday at the lake with family"


@dataclass
class Case:
    id: str
    sidecars: list[tuple[str, str]]                       # (file name, title)
    expect: dict[str, tuple[str, str] | None]             # media -> (its sidecar, rule) or no sidecar


TABLE = [
    Case("own", [("IMG_1.jpg.json", "IMG_1.jpg")], {"IMG_1.jpg": ("IMG_1.jpg.json", "own")}),
    Case("supplemental", [("IMG_2.jpg.supplemental-metadata.json", "IMG_2.jpg")],
         {"IMG_2.jpg": ("IMG_2.jpg.supplemental-metadata.json", "own")}),
    Case("clipped suffix", [("IMG_3.jpg.suppl.json", "IMG_3.jpg"), ("IMG_4.jpg.s.json", "IMG_4.jpg")],
         {"IMG_3.jpg": ("IMG_3.jpg.suppl.json", "own"), "IMG_4.jpg": ("IMG_4.jpg.s.json", "own")}),
    Case("cut at 46", [("Screenshot_2024-08-31-00-53-48-647_com.snapcha.json",
                        "Screenshot_2024-08-31-00-53-48-647_com.snapchat.jpg"),
                       ("PXL_20230814_201154491.LONG_EXPOSURE-01.COVER..json",
                        "PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg")],
         {"Screenshot_2024-08-31-00-53-48-647_com.snapchat.jpg":
          ("Screenshot_2024-08-31-00-53-48-647_com.snapcha.json", "own"),
          "PXL_20230814_201154491.LONG_EXPOSURE-01.COVER.jpg":
          ("PXL_20230814_201154491.LONG_EXPOSURE-01.COVER..json", "own")}),
    Case("counter", [("IMG_3479.JPG.json", "IMG_3479.JPG"), ("IMG_3479.JPG(1).json", "IMG_3479.JPG"),
                     ("Scan35.jpg.supplemental-metadata(1).json", "Scan35.jpg")],
         {"IMG_3479.JPG": ("IMG_3479.JPG.json", "own"), "IMG_3479(1).JPG": ("IMG_3479.JPG(1).json", "counter"),
          "Scan35(1).jpg": ("Scan35.jpg.supplemental-metadata(1).json", "counter")}),
    Case("counter after the cut", [("13039_327707840323_537645323_9470255_27214_n.j(1).json",
                                    "13039_327707840323_537645323_9470255_27214_n.jpg"),
                                   (f"{BACKYARD}.json", "Backyard_ceremony_magnoliastudios-371.jpg"),
                                   (f"{BACKYARD}(494).json", "Backyard_ceremony_magnoliastudios-19.jpg")],
         {"13039_327707840323_537645323_9470255_27214_n(1).jpg":
          ("13039_327707840323_537645323_9470255_27214_n.j(1).json", "counter"),
          f"{BACKYARD}m.jpg": (f"{BACKYARD}.json", "own"),
          f"{BACKYARD}m(494).jpg": (f"{BACKYARD}(494).json", "counter")}),
    Case("number in the name", [(f"{LAKE} (38).JP.json", f"{LAKE} (38).JPG"),
                                (f"{LAKE} (12).JP.json", f"{LAKE} (12).JPG"),
                                ("Party (3).jpg.json", "Party (3).jpg")],
         {f"{LAKE} (38).JPG": (f"{LAKE} (38).JP.json", "number in the name"),
          f"{LAKE} (12).JPG": (f"{LAKE} (12).JP.json", "number in the name"),
          "Party (3).jpg": ("Party (3).jpg.json", "number in the name")}),
    Case("UTF-16 cut", [(f"{cut(EMOJI_TITLE)}.json", EMOJI_TITLE)],
         {"😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg": (f"{cut(EMOJI_TITLE)}.json", "own")}),
    Case("title without extension", [("2234089303984509579.supplemental-metadata.json", "2234089303984509579"),
                                     ("27_06_12 - 2.json", "27/06/12 - 2")],
         {"2234089303984509579.jpg": ("2234089303984509579.supplemental-metadata.json", "no extension"),
          "2234089303984509579-edited.jpg": ("2234089303984509579.supplemental-metadata.json", "edited"),
          "27_06_12 - 2.jpg": ("27_06_12 - 2.json", "no extension")}),
    Case("forgotten duplicate", [(f"{UUID}.json", f"{UUID}PXL_20220516_164814158.jpg")],
         {f"{UUID}P.jpg": (f"{UUID}.json", "own"), f"{UUID}P(1).jpg": (f"{UUID}.json", "forgotten duplicate")}),
    Case("a counter is not a forgotten duplicate", [("DSC_0104.JPG.json", "DSC_0104.JPG")],
         {"DSC_0104.JPG": ("DSC_0104.JPG.json", "own"), "DSC_0104(1).JPG": None}),
    Case("edited with its own sidecar", [("image.jpg.json", "image.jpg"), ("image-edited.jpg.json", "image-edited.jpg")],
         {"image.jpg": ("image.jpg.json", "own"), "image-edited.jpg": ("image-edited.jpg.json", "own")}),
    Case("edited, localized", [(f"p{i}.jpg.json", f"p{i}.jpg") for i in range(7)],
         {"p0-ha editado.jpg": ("p0.jpg.json", "edited"), "p1-editat.jpg": ("p1.jpg.json", "edited"),
          "p2-编辑.jpg": ("p2.jpg.json", "edited"), "p3-відредаговано.jpg": ("p3.jpg.json", "edited"),
          "p4-upravené.jpg": ("p4.jpg.json", "edited"), "p5-modifié.jpg": ("p5.jpg.json", "edited"),
          "p6-edited(1).jpg": ("p6.jpg.json", "edited")}),
    Case("edited, clipped at the 51-unit cut",
         [("Con Yoli por Málaga en el piso nuevo_001.JPG.json", "Con Yoli por Málaga en el piso nuevo_001.JPG"),
          ("Museo Marino de Matalascañas con Yoli_001.JPG.json", "Museo Marino de Matalascañas con Yoli_001.JPG"),
          ("photo.jpg.json", "photo.jpg")],
         {"Con Yoli por Málaga en el piso nuevo_001-ha edi.JPG":
          ("Con Yoli por Málaga en el piso nuevo_001.JPG.json", "edited"),
          "Museo Marino de Matalascañas con Yoli_001-ha ed.JPG":
          ("Museo Marino de Matalascañas con Yoli_001.JPG.json", "edited"),
          "photo-ed.jpg": None}),  # a short name was not cut: "-ed" is part of it
    Case("edited, with a clipped suffix sidecar", [("IMG-20230325-WA0122~2.jpg.supplemental-metadat.json",
                                                     "IMG-20230325-WA0122~2.jpg")],
         {"IMG-20230325-WA0122~2-edited.jpg": ("IMG-20230325-WA0122~2.jpg.supplemental-metadat.json", "edited")}),
    Case("motion still copy", [("PXL_20210102_221126856.MP~2.jpg.json", "PXL_20210102_221126856.MP~2.jpg")],
         {"PXL_20210102_221126856.MP~2.jpg": ("PXL_20210102_221126856.MP~2.jpg.json", "own")}),
]


@pytest.mark.parametrize("case", TABLE, ids=lambda c: c.id)
def test_the_rule_that_decides(case):
    stems = {sidecar_stem(name) for name, _ in case.sidecars}
    for media, expected in case.expect.items():
        found = find_sidecar(media, stems)
        got = None if found is None else (f"{found.stem}.json", found.rule)
        assert got == expected, media


@pytest.mark.parametrize("form", ["zip", "folder"])
@pytest.mark.parametrize("case", TABLE, ids=lambda c: c.id)
def test_each_case_imported(library, tmp_path, form, case):
    t = Takeout()
    times = {}
    for i, (json_name, title) in enumerate(case.sidecars):
        times[json_name] = int(ts(2020, 3, 1)) + 3600 * (i + 1)
        t.add(f"{Y}/{json_name}", sidecar(title, str(times[json_name])))
    for media in case.expect:
        t.photo(f"{Y}/{media}")
    import_takeout(library, [t.write(form, tmp_path)], progress=False)
    by_member = members_to_items(library)
    for media, expected in case.expect.items():
        item = by_member[media]
        if expected is None:
            assert item.time_source != "sidecar", media
        else:
            assert (item.time_source, item.taken_at) == ("sidecar", times[expected[0]]), media
            title = dict(case.sidecars)[expected[0]]
            if expected[1] == "edited":  # the original's title is not this file's
                assert (item.title, item.original_name) == (None, media)
            else:
                assert item.title == title and item.original_name == safe_original_name(title, media), media


def members_to_items(lib) -> dict:
    """Each member's file name -> the item it is a file of."""
    out = {}
    for item in lib.catalog.items():
        for f in lib.catalog.files_of(item.id):
            out[f[2].rsplit("/", 1)[-1]] = item
    return out


def test_an_emoji_title_keeps_its_sidecar_and_its_whole_name(library, tmp_path):
    t = Takeout()
    t.photo(f"{Y}/😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛.jpg")
    t.add(f"{Y}/{cut(EMOJI_TITLE)}.json", sidecar(EMOJI_TITLE, ts(2023, 1, 1, 10)))
    import_takeout(library, [t.zip(tmp_path / "t.zip")], progress=False)
    [item] = library.catalog.items()
    assert item.original_name == EMOJI_TITLE and item.time_source == "sidecar"


def test_the_cut_counts_utf16_code_units():
    assert utf16_len(EMOJI_TITLE[:3]) == 6 and utf16_len("Málaga") == 6
    assert utf16_len(cut(EMOJI_TITLE)) == 46
    assert utf16_len(cut("a" + "😀" * 30)) == 45  # never half a character
    assert cut("x" * 60) == "x" * 46


def test_unedited_names():
    assert unedited("IMG_1-edited.jpg") == "IMG_1.jpg"
    assert unedited("IMG_1-EDITED.JPG") == "IMG_1.JPG"
    assert unedited("IMG_1(1)-edited.jpg") == "IMG_1(1).jpg"
    assert unedited("mi salón-ha editado.JPG") == "mi salón.JPG"
    assert unedited("photo-modifie\u0301.jpg") == "photo.jpg"  # decomposed, as macOS writes names
    assert unedited("IMG_1.jpg") is None and unedited("credited.jpg") is None


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text(max_size=120))
def test_a_cut_is_a_prefix_within_the_budget(text):
    c = cut(text)
    assert text.startswith(c) and utf16_len(c) <= 46
    assert c == text or utf16_len(text[: len(c) + 1]) > 46  # nothing more would fit
