"""A one-field full name is split only where its words say which is which; shop option titles become codes."""

from __future__ import annotations

import pytest

from erpsync.core.errors import ValidationError
from erpsync.marketplaces.methods import delivery_code, payment_code
from erpsync.marketplaces.names import split_full_name


@pytest.mark.parametrize(("full", "order", "first", "last", "patronymic"), [
    ("Шевченко Тарас Григорович", "first_last", "Тарас", "Шевченко", "Григорович"),
    ("Тарас Григорович Шевченко", "first_last", "Тарас", "Шевченко", "Григорович"),
    ("Бондаренко Ірина Петрівна", "first_last", "Ірина", "Бондаренко", "Петрівна"),
    ("Иванов Иван Иванович", "last_first", "Иван", "Иванов", "Иванович"),
    ("John Doe", "first_last", "John", "Doe", None),
    ("Коваленко Олена", "last_first", "Олена", "Коваленко", None),
    ("Олена", "first_last", "Олена", None, None),
    ("  Олена   Коваленко ", "first_last", "Олена", "Коваленко", None),
])
def test_names_are_split_where_the_words_allow(full, order, first, last, patronymic) -> None:
    split = split_full_name(full, order)
    assert (split.first_name, split.last_name, split.patronymic) == (first, last, patronymic)
    assert split.full_name == " ".join(full.split())


@pytest.mark.parametrize("full", ["ТОВ Ромашка Плюс Груп", "Петренко О. П.", "Іван 2", "a b c d"])
def test_what_cannot_be_told_apart_stays_whole(full: str) -> None:
    split = split_full_name(full)
    assert (split.full_name, split.first_name, split.last_name) == (full, None, None)


def test_an_empty_name_and_a_wrong_order() -> None:
    assert split_full_name("  ").full_name is None
    with pytest.raises(ValidationError, match="name order must be one of first_last, last_first"):
        split_full_name("A B", "surname")


@pytest.mark.parametrize(("title", "code"), [
    ("Нова Пошта (відділення)", "nova_poshta"), ("Новая почта курьер", "nova_poshta"),
    ("Nova Poshta Branch", "nova_poshta"), ("Укрпошта", "ukrposhta"), ("Meest Express", "meest"),
    ("Самовивіз з магазину", "pickup"), ("Кур’єр по Києву", "courier"), ("Justin", "justin"),
])
def test_delivery_titles_become_codes(title: str, code: str) -> None:
    assert delivery_code(title, "3") == code


@pytest.mark.parametrize(("title", "code"), [
    ("Накладений платіж", "cash_on_delivery"), ("Наложенный платеж", "cash_on_delivery"),
    ("Оплата при отриманні", "cash_on_delivery"), ("Оплата карткою (LiqPay)", "card_online"),
    ("Безготівковий розрахунок", "bank_transfer"), ("Оплата частинами ПриватБанк", "credit"),
    ("In cash", "cash"), ("Наличный расчет", "cash"),
])
def test_payment_titles_become_codes(title: str, code: str) -> None:
    assert payment_code(title, "13") == code


def test_an_unknown_option_keeps_its_id_or_its_name() -> None:
    assert delivery_code("Доставка дроном", "42") == "option_42"
    assert payment_code("Бартер", None) == "option_barter"
    assert delivery_code(None, None) is None
