from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "cards"
    verbose_name = "暖心关怀联系卡"
