"""Generated data of the Horoshop sandbox, in Horoshop's own format (the documented ``orders/get`` order)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

BUILTIN_STATUSES = (
    {"id": 1, "title": {"ua": "Нове", "ru": "Новый"}, "is_successful": 0},
    {"id": 2, "title": {"ua": "В обробці", "ru": "В обработке"}, "is_successful": 0},
    {"id": 3, "title": {"ua": "Доставлене", "ru": "Доставлен"}, "is_successful": 1},
    {"id": 4, "title": {"ua": "Не доставлене", "ru": "Не доставлен"}, "is_successful": 0},
    {"id": 6, "title": {"ua": "Доставляється", "ru": "Доставляется"}, "is_successful": 0},
)
DELIVERY_OPTIONS = (
    {"id": 3, "title": {"ua": "Нова Пошта (відділення)", "ru": "Новая Почта (отделение)"}, "type": 2, "enabled": 1},
    {"id": 5, "title": {"ua": "Укрпошта", "ru": "Укрпочта"}, "type": 3, "enabled": 1},
    {"id": 7, "title": {"ua": "Кур'єр по Києву", "ru": "Курьер по Киеву"}, "type": 1, "enabled": 1},
    {"id": 9, "title": {"ua": "Самовивіз з магазину", "ru": "Самовывоз из магазина"}, "type": 4, "enabled": 1},
)
PAYMENT_OPTIONS = (
    {"id": 13, "title": {"ua": "Накладений платіж", "ru": "Наложенный платеж"}, "payment_method": 1, "enabled": 1},
    {"id": 14, "title": {"ua": "Оплата карткою (LiqPay)", "ru": "Оплата картой (LiqPay)"}, "payment_method": 4,
     "enabled": 1},
    {"id": 15, "title": {"ua": "Безготівковий розрахунок", "ru": "Безналичный расчет"}, "payment_method": 2,
     "enabled": 1},
)
BUYERS = (
    ("Шевченко Тарас Григорович", "+38 (067) 123-45-67", "taras@example.com.ua"),
    ("Олена Коваленко", "+38 (050) 765-43-21", "olena.k@example.com.ua"),
    ("Бондаренко Ірина Петрівна", "+380931112233", ""),
    ("Andrii Melnyk", "+38 (097) 000-11-22", "andrii@example.com"),
    ("Ткаченко Олег", "+38 (063) 555-66-77", "oleg.t@example.com.ua"),
)
CITIES = (("Київ", "Відділення №13: вул. Дорогожицька, 4"), ("Львів", "Відділення №5: вул. Городоцька, 120"),
          ("Одеса", "Поштомат №2241: вул. Дерибасівська, 1"), ("Дніпро", "Відділення №1: просп. Яворницького, 2"))
PRODUCTS = (
    ("HS-MUG-01", "Чашка керамічна 350 мл", 249),
    ("HS-TEA-02", "Чай зелений 100 г", 180),
    ("HS-KNF-03", "Ніж кухарський 20 см", 1190),
    ("HS-TWL-04", "Рушник махровий 70×140", 420),
    ("HS-LMP-05", "Лампа настільна LED", 899),
    ("HS-BAG-06", "Сумка шопер льняна", 315),
)


def make_catalog() -> dict[str, dict[str, Any]]:
    return {article: {"article": article, "title": {"ua": title}, "price": price, "price_old": 0,
                      "residues": {"office": 10}}
            for article, title, price in PRODUCTS}


def _title(option: dict[str, Any]) -> str:
    title = option.get("title")
    return title.get("ua") or title.get("ru") if isinstance(title, dict) else str(title)


def make_order(
    rng: random.Random,
    number: int,
    created: datetime,
    catalog: dict[str, dict[str, Any]],
    delivery_options: list[dict[str, Any]],
    payment_options: list[dict[str, Any]],
) -> dict[str, Any]:
    """One order as ``orders/get`` shows it (the documented fields; prices in UAH)."""
    name, phone, email = rng.choice(BUYERS)
    city, branch = rng.choice(CITIES)
    delivery = rng.choice(delivery_options)
    payment = rng.choice(payment_options)
    articles = rng.sample(sorted(catalog), k=rng.randint(1, 3))
    products = []
    for article in articles:
        product = catalog[article]
        quantity = rng.randint(1, 3)
        price = product.get("price") or 100
        title = product.get("title")
        products.append({
            "article": article,
            "title": title.get("ua") if isinstance(title, dict) else title,
            "quantity": quantity,
            "price": price,
            "total_price": price * quantity,
            "discount_marker": "NONE",
            "type": "product",
        })
    total_default = sum(p["total_price"] for p in products)
    coupon = rng.random() < 0.3
    coupon_value = round(total_default * 0.1) if coupon else 0
    return {
        "order_id": number,
        "user": rng.randint(1000, 9999),
        "delivery_name": name,
        "delivery_email": email,
        "delivery_phone": phone,
        "delivery_city": city,
        "delivery_address": branch,
        "delivery_type": {"id": delivery["id"], "title": _title(delivery)},
        "delivery_price": -1,
        "comment": rng.choice(["", "Зателефонуйте перед відправкою", "Подарункова упаковка, будь ласка"]),
        "payment_type": {"id": payment["id"], "title": _title(payment)},
        "payment_price": 0,
        "payed": 1 if "LiqPay" in _title(payment) else 0,
        "total_default": total_default,
        "total_sum": total_default - coupon_value,
        "total_quantity": sum(p["quantity"] for p in products),
        "discount_percent": 0,
        "discount_value": 0,
        "coupon_code": "SPRING10" if coupon else "",
        "coupon_percent": 10 if coupon else 0,
        "coupon_discount_value": coupon_value,
        "coupon_type": 1 if coupon else 0,
        "stat_status": 1,
        "stat_created": created.strftime("%Y-%m-%d %H:%M:%S"),
        "currency": "UAH",
        "order_without_callback": int(rng.random() < 0.2),
        "analytics": {"utm_source": rng.choice(["google", "facebook", "(direct)"]), "utm_medium": "cpc",
                      "utm_campaign": "", "utm_term": "", "utm_content": "", "google_client_id": ""},
        "delivery_data": {"deliveryOperatorType": "novaposhta", "tnNumber": None},
        "products": products,
    }
