from django.http import HttpRequest
from ninja import Router, Schema

from .selectors import region_children

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int


@router.get("/regions", response=list[RegionOut], url_name="regions", auth=None)
def regions(request: HttpRequest, parent: str = "") -> list[RegionOut]:
    return [RegionOut(code=r.code, name=r.name, level=r.level) for r in region_children(parent)]
