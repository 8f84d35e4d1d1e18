from django.apps import AppConfig


class ReliefConfig(AppConfig):
    name = "relief"
    verbose_name = "临时救助备用金"
