from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.helpers import Json, LedgerApi, expect


async def _tree(api: LedgerApi, book: Json, **params: str) -> list[Json]:
    return expect(await api.client.get(f"/books/{book['id']}/accounts/tree", params=params), 200)


async def test_create_sub_account(api: LedgerApi, book: Json) -> None:
    parent = await api.create_account(book, code="1000", name="Current assets")
    child = await api.create_account(book, code="1010", name="Bank", parent=parent)
    assert child["parent_id"] == parent["id"]


async def test_list_children(api: LedgerApi, book: Json) -> None:
    parent = await api.create_account(book, code="1000")
    kids = [await api.create_account(book, code=f"10{i}0", parent=parent) for i in (2, 1)]
    await api.create_account(book, code="2000", type="liability")
    listed = expect(
        await api.client.get(f"/books/{book['id']}/accounts", params={"parent_id": parent["id"]}),
        200,
    )
    assert [a["id"] for a in listed] == [kids[1]["id"], kids[0]["id"]]


async def test_roots_only(api: LedgerApi, book: Json) -> None:
    parent = await api.create_account(book, code="1000")
    await api.create_account(book, code="1010", parent=parent)
    roots = expect(
        await api.client.get(f"/books/{book['id']}/accounts", params={"roots_only": True}), 200
    )
    assert [a["code"] for a in roots] == ["1000"]


@pytest.mark.parametrize(
    ("child_kw", "message"),
    [
        ({"type": "liability"}, "cannot sit under"),
        ({"currency": "EUR"}, "differs from parent currency"),
    ],
)
async def test_child_must_match_parent(
    api: LedgerApi, book: Json, child_kw: dict[str, str], message: str
) -> None:
    parent = await api.create_account(book, code="1000")
    payload = {"code": "1010", "name": "child", "type": "asset", "parent_id": parent["id"]}
    payload.update(child_kw)
    response = await api.client.post(f"/books/{book['id']}/accounts", json=payload)
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


async def test_parent_must_be_in_same_book(api: LedgerApi, book: Json) -> None:
    other = await api.create_book()
    foreign_parent = await api.create_account(other)
    response = await api.client.post(
        f"/books/{book['id']}/accounts",
        json={"code": "1", "name": "x", "type": "asset", "parent_id": foreign_parent["id"]},
    )
    assert response.status_code == 422


async def test_move_under_new_parent(api: LedgerApi, book: Json) -> None:
    a = await api.create_account(book, code="1")
    b = await api.create_account(book, code="2")
    body = expect(await api.client.patch(f"/accounts/{b['id']}", json={"parent_id": a["id"]}), 200)
    assert body["parent_id"] == a["id"]


async def test_detach_with_explicit_null(api: LedgerApi, book: Json) -> None:
    a = await api.create_account(book, code="1")
    b = await api.create_account(book, code="2", parent=a)
    body = expect(await api.client.patch(f"/accounts/{b['id']}", json={"parent_id": None}), 200)
    assert body["parent_id"] is None


async def test_patch_without_parent_keeps_parent(api: LedgerApi, book: Json) -> None:
    a = await api.create_account(book, code="1")
    b = await api.create_account(book, code="2", parent=a)
    body = expect(await api.client.patch(f"/accounts/{b['id']}", json={"name": "renamed"}), 200)
    assert body["parent_id"] == a["id"]


async def test_cannot_be_own_parent(api: LedgerApi, book: Json) -> None:
    a = await api.create_account(book)
    response = await api.client.patch(f"/accounts/{a['id']}", json={"parent_id": a["id"]})
    assert response.status_code == 422


async def test_cycles_are_rejected(api: LedgerApi, book: Json) -> None:
    a = await api.create_account(book, code="1")
    b = await api.create_account(book, code="2", parent=a)
    c = await api.create_account(book, code="3", parent=b)
    response = await api.client.patch(f"/accounts/{a['id']}", json={"parent_id": c["id"]})
    assert response.status_code == 422
    assert "cycle" in response.json()["error"]["message"]


async def test_cannot_delete_parent(api: LedgerApi, book: Json) -> None:
    a = await api.create_account(book, code="1")
    await api.create_account(book, code="2", parent=a)
    assert (await api.client.delete(f"/accounts/{a['id']}")).status_code == 409


async def test_cannot_deactivate_parent_with_active_children(api: LedgerApi, book: Json) -> None:
    a = await api.create_account(book, code="1")
    await api.create_account(book, code="2", parent=a)
    response = await api.client.patch(f"/accounts/{a['id']}", json={"is_active": False})
    assert response.status_code == 409
    assert "sub-accounts" in response.json()["error"]["message"]


async def test_tree_rolls_up_balances(api: LedgerApi, book: Json) -> None:
    assets = await api.create_account(book, code="1000", name="Assets")
    bank = await api.create_account(book, code="1100", name="Banks", parent=assets)
    checking = await api.create_account(book, code="1110", name="Checking", parent=bank)
    savings = await api.create_account(book, code="1120", name="Savings", parent=bank)
    equity = await api.create_account(book, code="3000", type="equity")
    await api.transfer(book, checking, equity, "100")
    await api.transfer(book, savings, equity, "250")
    await api.transfer(book, assets, equity, "1")

    tree = await _tree(api, book)
    assert [node["code"] for node in tree] == ["1000", "3000"]
    root = tree[0]
    assert Decimal(root["balance"]) == 1
    assert Decimal(root["total_balance"]) == 351
    (banks,) = root["children"]
    assert Decimal(banks["balance"]) == 0
    assert Decimal(banks["total_balance"]) == 350
    assert [Decimal(c["total_balance"]) for c in banks["children"]] == [100, 250]
    assert Decimal(tree[1]["total_balance"]) == 351


async def test_tree_as_of(api: LedgerApi, book: Json) -> None:
    parent = await api.create_account(book, code="1")
    child = await api.create_account(book, code="2", parent=parent)
    equity = await api.create_account(book, code="3", type="equity")
    await api.transfer(book, child, equity, "10", entry_date=dt.date(2024, 1, 1))
    await api.transfer(book, child, equity, "20", entry_date=dt.date(2024, 6, 1))
    tree = await _tree(api, book, as_of="2024-03-01")
    assert Decimal(tree[0]["total_balance"]) == 10


async def test_tree_of_empty_book(api: LedgerApi, book: Json) -> None:
    assert await _tree(api, book) == []
