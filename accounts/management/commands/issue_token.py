from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import token_issue


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (shown once; only its hash is stored)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户不存在或已停用：{options['username']}")
        self.stdout.write(token_issue(actor=None, user=user, label=options["label"]))
