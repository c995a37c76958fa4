"""An administrator gives a product a picture from the edit form; shoppers then see it with its thumbnails."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from e2e.accounts import ADMIN
from e2e.shop_data import ProductSpec, new_products

LogIn = Callable[[Page, str, str], None]


def test_admin_uploads_a_picture_with_a_preview_and_shoppers_see_its_thumbnails(
    page: Page, log_in: LogIn, tmp_path: Path
) -> None:
    (product,) = new_products(ProductSpec(f"Picture lamp {uuid.uuid4().hex[:8]}", "19.00", 3))
    script, photo = tmp_path / "holiday.jpg", tmp_path / "lamp.jpg"
    script.write_bytes(b"#!/bin/sh\necho owned\n")
    out = io.BytesIO()
    Image.new("RGB", (900, 600), "gold").save(out, "JPEG")
    photo.write_bytes(out.getvalue())
    log_in(page, *ADMIN)
    page.goto(f"/admin/products?search={product.name}")
    page.evaluate("window.__noReload = true")
    page.get_by_role("link", name=f"Edit {product.name}").click()
    picture_form = page.locator("form.image-upload-form")
    file_field = picture_form.get_by_label("New picture")

    file_field.set_input_files(str(script))
    picture_form.get_by_role("button", name="Upload picture").click()
    expect(picture_form.locator(".field-error")).to_contain_text("This file is not a JPEG, PNG or WebP image")

    picture_form.get_by_label("New picture").set_input_files(str(photo))
    expect(picture_form.locator(".image-preview")).to_be_visible()  # shown before anything is sent
    picture_form.get_by_role("button", name="Upload picture").click()
    expect(picture_form.get_by_role("status")).to_have_text("Picture saved. Shoppers see it now.")

    # The edit form beside it got the new version: saving it is no conflict.
    page.get_by_label("Description").fill("Warm light for long evenings.")
    page.locator("form.product-edit-form").get_by_role("button", name="Save").click()
    expect(page.locator("tr.product-row .row-notice")).to_have_text("Saved.")
    assert page.evaluate("window.__noReload") is True, "the page reloaded"

    page.goto(f"/products/{product.id}")
    picture = page.get_by_role("img", name=f"Picture of {product.name}")
    expect(picture).to_have_attribute("width", "640")
    expect(picture).to_have_attribute("height", "427")
    expect(page.get_by_text("Warm light for long evenings.")).to_be_visible()

    for _ in range(50):  # the worker makes the thumbnails within a second or so: reload until the page offers them
        if "-w640.webp" in (picture.get_attribute("srcset") or ""):
            break
        page.wait_for_timeout(200)  # polling the worker's progress
        page.reload()
    srcset = picture.get_attribute("srcset") or ""
    assert re.search(r"-w160\.webp 160w, .*-w320\.webp 320w, .*-w640\.webp 640w, .*\.jpg 900w", srcset), srcset
    assert page.evaluate("document.querySelector('img.product-picture-large').naturalWidth") > 0
