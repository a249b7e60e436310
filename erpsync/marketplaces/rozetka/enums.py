"""Rozetka vocabularies. Statuses are numbers; here they are text (``"26"``), as mapping files key them.
See docs/contracts/rozetka.md for every source.

Sources:
- CONFIRMED BY THE SELLER API'S OWN DOCUMENTATION (apidoc, as mirrored by a public repository): statuses
  are numbers, ``status_group`` 1 in processing / 2 successful / 3 unsuccessful; ``PUT /orders/{id}``
  takes ``status``, ``seller_comment``, ``ttn`` (required for 3 and 61; a TTN with 2 moves the order to 61
  and Rozetka then follows the parcel itself) and ``duplicate_order_id`` (required for 49); each order
  lists the statuses it may move to (``status_available``); the live list is
  ``GET /order-statuses/search``.
- CONFIRMED BY PUBLIC CLIENTS, NOT BY ONE TABLE OF ROZETKA'S: the ids and names. A PHP module's full
  table (copied, it says, from the documentation) and a TypeScript client's table (from Rozetka's API
  PDF, §9.1) agree on the ids 1–7, 10–13, 15–20, 24–50 they share; names differ in wording. Newer ids
  (52–80) come from the PHP table only. Rozetka adds statuses over time, so ``statuses`` is an open
  section: a shop maps a new id in its shop file and it is a warning, not an error.
- Rozetka's cancellation statuses carry the reason themselves (18 "could not reach the buyer", 42 "not
  in stock", …): there is no separate cancellation reason.
- ASSUMED: which statuses a seller may set (the PHP module's list of seller statuses, plus 61); delivery
  and payment codes, derived from ``delivery.name_logo`` / the service name and from ``payment_type``
  (``cash`` is documented; the others are assumed), so both sections are open.
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "1": "Нове замовлення",
    "2": "Комплектується. Дані підтверджені",
    "3": "Передано в службу доставки",
    "4": "Доставляється",
    "5": "Чекає в пункті самовивозу",
    "6": "Замовлення виконано",
    "7": "Не оброблено продавцем протягом дня",
    "10": "Відправлення відкладено",
    "11": "Не прийшов за замовленням",
    "12": "Відмова при отриманні",
    "13": "Скасовано Адміністратором",
    "15": "Некоректний ТТН",
    "16": "Немає в наявності / брак",
    "17": "Не влаштовують умови оплати",
    "18": "Не вдалося зв'язатися",
    "19": "Замовлення повернено",
    "20": "Товар не підходить за характеристиками",
    "24": "Скасування. Не влаштовує доставка",
    "25": "Тестове замовлення",
    "26": "Опрацьовується менеджером",
    "27": "Вимагає доукомплектації",
    "28": "Неправильні контактні дані",
    "29": "Ціна змінилася",
    "30": "Закінчився термін резерву",
    "31": "Скасування. Створено дублююче замовлення",
    "32": "Скасування. Розгрупування не влаштовує",
    "33": "Умови доставки не влаштовують",
    "34": "Скасування. Перевізник / спосіб доставки не влаштовує",
    "35": "Скасування. Терміни доставки не влаштовують",
    "36": "Скасування. Безготівковий розрахунок недоступний",
    "37": "Передоплата не влаштовує",
    "38": "Не влаштовує товар",
    "39": "Скасування. Характеристики не підходять",
    "40": "Клієнт передумав",
    "41": "Скасування. Купив на іншому сайті",
    "42": "Немає в наявності",
    "43": "Брак",
    "44": "Скасування. Фейкове замовлення",
    "45": "Скасовано покупцем",
    "46": "Відновлено при продзвоні",
    "47": "Планується повторний дзвінок",
    "48": "Обробка менеджером (не додзвонились вдруге)",
    "49": "Скасування. Дубль замовлення (з duplicate_order_id)",
    "50": "Клієнт не оплатив",
    "51": "У кредиті відмовлено",
    "52": "Нове замовлення за 1 клік",
    "53": "Очікує підтвердження клієнтом",
    "54": "Опрацьовано автоматично",
    "55": "Очікує отримання оплати",
    "56": "Комплектується перевізником",
    "57": "Заплановано доставку",
    "58": "Передано до служби доставки в Польщі",
    "59": "На митному контролі",
    "60": "Передано до служби доставки в Україні",
    "61": "Заплановано передачу перевізникові",
    "62": "Змінено дату видачі",
    "63": "Обробляється службою доставки",
    "64": "Доставляється в місто отримувача",
    "65": "Перебуває в місті отримувача",
    "67": "Видано кур'єру в місті отримувача",
    "68": "Отримано частково",
    "69": "Змінено дату чи адресу доставки",
    "71": "Скасування. Товар повернувся",
    "72": "Скасування. Здійснено повернення коштів",
    "73": "У черзі на отримання",
    "74": "Сьогодні закінчується термін резерву",
    "75": "Скасування. Скасовано КЦ",
    "76": "Очікує клієнта у почтоматі",
    "77": "Скасування. Відмовлено банком",
    "78": "Змінено час видачі",
    "79": "Очікує модерації КЦ",
    "80": "Чекає на отримання від Продавця",
}

# assumed: the statuses a seller sets (the rest Rozetka moves itself, following the waybill);
# 3 and 61 need a TTN (``extra["ttn"]``), which ``push_waybill`` sends with 61
SETTABLE_STATUSES = {code: STATUSES[code] for code in (
    "26", "2", "55", "61", "3", "6", "47", "42", "43", "40", "18", "28", "29", "17", "33", "37", "38",
)}

STATUSES_NEEDING_TTN = frozenset({"3", "61"})
WAYBILL_STATUS = "61"  # "Заплановано передачу перевізникові": what a TTN is sent with

DELIVERY_METHODS = {
    "nova_poshta": "Нова Пошта",
    "ukrposhta": "Укрпошта",
    "meest": "Meest",
    "justin": "Justin",
    "rozetka_delivery": "Самовивіз з магазинів Rozetka / ROZETKA Delivery",
    "courier": "Кур'єр",
    "pickup": "Самовивіз від продавця",
}

PAYMENT_METHODS = {
    "cash_on_delivery": "Оплата при отриманні",
    "card_online": "Оплата карткою онлайн",
    "bank_transfer": "Безготівковий розрахунок",
    "credit": "Кредит / оплата частинами",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"statuses", "delivery", "payment"}),
)
