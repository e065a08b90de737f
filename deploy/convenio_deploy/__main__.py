"""``python -m convenio_deploy generate|check|validate|compose|install-tools``."""

from __future__ import annotations

import argparse
import sys

from . import compose, manifests, tools, validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convenio_deploy", description=__doc__)
    command = parser.add_subparsers(dest="command", required=True)
    command.add_parser(
        "generate", help="rewrite the generated manifests, monitoring and alert table (make k8s)"
    )
    command.add_parser("check", help="fail if the committed manifests are not the generated ones")
    run = command.add_parser("validate", help="build and check Kustomize overlays")
    run.add_argument("overlays", nargs="*", default=list(validate.OVERLAYS))
    command.add_parser("compose", help="check docker-compose.yml")
    command.add_parser("install-tools", help="cache kustomize, promtool, kcat, the AsyncAPI parser")
    args = parser.parse_args(argv)

    if args.command == "generate":
        changed = manifests.write()
        print(f"{len(changed)} file(s) rewritten: {', '.join(changed) or '-'}")
        return 0
    if args.command == "check":
        stale = manifests.drift()
        for path in stale:
            print(f"{path} differs from the generator: run `make k8s`")
        return 1 if stale else 0
    if args.command == "validate":
        failed = 0
        for overlay in args.overlays:
            problems = validate.validate_overlay(manifests.K8S_DIR / "overlays" / overlay)
            print(f"overlay {overlay}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  {problem}")
            failed += bool(problems)
        return 1 if failed else 0
    if args.command == "compose":
        problems = compose.validate_compose()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    print(tools.install_kustomize())
    print(tools.install_promtool())
    print(tools.install_asyncapi_parser())
    print(tools.install_kcat())
    return 0


if __name__ == "__main__":
    sys.exit(main())
