"""Rozetka vocabularies. Statuses are numbers; here they are text (``"26"``), as mapping files key them.

Sources:
- CONFIRMED BY TWO PUBLIC CLIENTS, NOT BY ROZETKA'S OWN DOCUMENTATION: the status ids and names. A
  public PHP module lists the full "OrdersStatuses" table it says it copied from the documentation;
  another client and the contracts notes agree on 1, 2, 3, 4, 5, 6, 18, 26, 47, 55, 61. Rozetka's
  cancellation statuses carry the reason themselves (18 "could not reach the buyer", 42 "not in
  stock", …): there is no separate cancellation reason.
- ASSUMED: which statuses a seller may set (the PHP module's list of seller statuses); 3 and 61 need a
  waybill. Delivery and payment: an order carries ``delivery_service_name`` and
  ``payment_type_name`` configured per cabinet, so both sections are open; the codes below are the
  usual ones (Nova Poshta, Ukrposhta, Meest, Rozetka's own points) and are assumed.
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
    "33": "Умови доставки не влаштовують",
    "37": "Передоплата не влаштовує",
    "38": "Не влаштовує товар",
    "40": "Клієнт передумав",
    "42": "Немає в наявності",
    "43": "Брак",
    "44": "Скасування. Фейкове замовлення",
    "45": "Скасовано покупцем",
    "46": "Відновлено при продзвоні",
    "47": "Планується повторний дзвінок",
    "49": "Повторне замовлення",
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

# assumed: the statuses a seller sets (the rest Rozetka moves itself, following the waybill)
SETTABLE_STATUSES = {code: STATUSES[code] for code in (
    "26", "2", "55", "61", "3", "6", "47", "42", "43", "40", "18", "28", "29", "17", "33", "37", "38",
)}

DELIVERY_METHODS = {
    "nova_poshta": "Нова Пошта",
    "ukrposhta": "Укрпошта",
    "meest": "Meest",
    "rozetka_delivery": "Самовивіз з магазинів Rozetka",
    "courier": "Кур'єр",
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
    open_sections=frozenset({"delivery", "payment"}),
)
