"""A shop row is all it takes: Horoshop and Zakupka shops stored with their sandboxes' URLs and credentials
list orders (and, for Horoshop, set a status and a waybill) through the registry's connectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from erpsync.marketplaces.base import OrderRef, StatusChange, WaybillInfo
from erpsync.marketplaces.horoshop import HoroshopConnector
from erpsync.marketplaces.zakupka import ZakupkaConnector
from erpsync.models.db import Database
from erpsync.sandbox.horoshop import HoroshopSandbox
from erpsync.sandbox.zakupka import ZakupkaSandbox
from erpsync.sync.connectors import connector_for, shop_config
from erpsync.sync.shops import add_shop, get_shop

LOGIN = {"username": "row-admin", "password": "row-secret-77"}


def test_a_horoshop_shop_row_lists_orders_and_pushes_a_status_and_a_waybill(database: Database,
                                                                             secret_key: str) -> None:
    with HoroshopSandbox(credentials=LOGIN, orders=0, random_seed=2) as sandbox:
        order_id = sandbox.add_order()
        with database.session() as session:
            add_shop(session, name="ua-horo", marketplace="horoshop", secret_key=secret_key,
                     base_url=sandbox.base_url, credentials=LOGIN, settings={"name_order": "last_first"})
        with database.session() as session:
            shop = get_shop(session, "ua-horo")
            assert "row-secret" not in repr(shop_config(shop, secret_key))
            connector = connector_for(shop, secret_key)
        assert isinstance(connector, HoroshopConnector) and connector.name_order == "last_first"
        with connector:
            connector.check_connection()
            now = datetime.now(UTC)
            [order] = connector.list_orders(now - timedelta(days=1), now + timedelta(minutes=1))
            assert order.external_id == str(order_id) and order.status == "1"
            changed = connector.set_status(StatusChange(OrderRef(order.external_id, order.number, "1"), "2"))
            assert changed is not None and changed.status == "2"
            connector.push_waybill(OrderRef(order.external_id), WaybillInfo("20450000000017"))
        assert sandbox.order(order_id)["stat_status"] == 2
        assert sandbox.order(order_id)["tracking_code"] == "20450000000017"


def test_a_zakupka_shop_row_reads_the_orders_file(database: Database, secret_key: str) -> None:
    with ZakupkaSandbox(orders=2, random_seed=3) as sandbox:
        with database.session() as session:
            add_shop(session, name="ua-zak", marketplace="zakupka", secret_key=secret_key,
                     credentials={"orders_url": sandbox.orders_url})
        with database.session() as session:
            connector = connector_for(get_shop(session, "ua-zak"), secret_key)
        assert isinstance(connector, ZakupkaConnector)
        with connector:
            now = datetime.now(UTC)
            orders = list(connector.list_orders(now - timedelta(days=8), now))
        assert len(orders) == 2 and {o.status for o in orders} == {"new"}
