from litestar.testing import AsyncTestClient


async def test_catalog_page_renders_empty_state(client: AsyncTestClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "No products available. Add products to the catalog to get started." in response.text
