"""Money maths: VAT split per rate, delivery fee, commission, rounding."""
from __future__ import annotations

from marketplace.shop import pricing
from marketplace.shop.pricing import PricedLine


def test_vat_split_per_rate_rounds_half_up_once_per_rate():
    lines = [PricedLine(550, 650), PricedLine(550, 1200), PricedLine(2000, 480)]
    breakdown = pricing.vat_breakdown(lines)
    assert list(breakdown) == ["2000", "550"]
    # 18.50 € at 5.5 %: net 17.54 (17.5355… rounded), VAT 0.96
    assert breakdown["550"] == {"net": 1754, "vat": 96, "gross": 1850}
    # 4.80 € at 20 %: net 4.00, VAT 0.80
    assert breakdown["2000"] == {"net": 400, "vat": 80, "gross": 480}


def test_delivery_fee_is_the_highest_fee_of_the_delivered_lines():
    lines = [
        PricedLine(550, 650, delivered=True, delivery_fee_cents=590),
        PricedLine(550, 1200, delivered=True, delivery_fee_cents=750),
        PricedLine(2000, 480, delivered=False, delivery_fee_cents=990),
    ]
    assert pricing.delivery_fee(lines) == 750


def test_delivery_fee_follows_the_rates_of_the_goods_it_carries_without_losing_a_cent():
    lines = [PricedLine(550, 1000, delivered=True), PricedLine(2000, 3000, delivered=True)]
    breakdown = pricing.vat_breakdown(lines, fee_cents=599)
    assert sum(item["gross"] for item in breakdown.values()) == 4599
    # 599 split 1:3 → 150 at 5.5 %, 449 at 20 %
    assert breakdown["550"]["gross"] == 1150
    assert breakdown["2000"]["gross"] == 3449
    for item in breakdown.values():
        assert item["net"] + item["vat"] == item["gross"]


def test_commission_rounds_half_up_to_the_cent():
    assert pricing.commission(10_000, 500) == 500
    assert pricing.commission(1_230, 500) == 62  # 61.5 → 62
    assert pricing.commission(1_229, 500) == 61  # 61.45 → 61
    assert pricing.commission(0, 500) == 0


def test_partial_refund_breakdown_keeps_the_total():
    breakdown = {"2000": {"net": 400, "vat": 80, "gross": 480}, "550": {"net": 1754, "vat": 96, "gross": 1850}}
    part = pricing.scaled_breakdown(breakdown, 1001)
    assert sum(item["gross"] for item in part.values()) == 1001
    for item in part.values():
        assert item["net"] + item["vat"] == item["gross"]
    assert pricing.scaled_breakdown(breakdown, 2330) == breakdown


def test_merged_breakdown_sums_each_rate():
    a = {"550": {"net": 100, "vat": 6, "gross": 106}}
    b = {"550": {"net": 200, "vat": 11, "gross": 211}, "2000": {"net": 100, "vat": 20, "gross": 120}}
    merged = pricing.merge_breakdowns([a, b])
    assert merged == {"2000": {"net": 100, "vat": 20, "gross": 120}, "550": {"net": 300, "vat": 17, "gross": 317}}
