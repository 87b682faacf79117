# Developer entry points. Tools are installed into gitignored .local/ and node_modules/ by scripts/tools.sh.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

VENV_BIN := $(CURDIR)/.local/venv/bin
SAM := $(VENV_BIN)/sam
TEMPLATE := infra/template.yaml
LAMBDA_BINARIES := earn-points member-api redeem-reward partner-offers evaluate-tier
export SAM_CLI_TELEMETRY := 0

.PHONY: tools test contract-long clients dev console deploy-console daily-run fuzz sam-build deploy deploy-guided lint validate build-arm64 bench soak soak-proof clean-local

## tools: install / check the dev tools (idempotent)
tools:
	bash scripts/tools.sh

## test: fmt, clippy, tests against DynamoDB Local (private network namespace), sam validate
test:
	bash scripts/test.sh

## contract-long: schemathesis against the local stack for 20 minutes (SCHEMATHESIS_MAX_TIME=<seconds>), random seed
contract-long:
	bash scripts/schemathesis-long.sh

## clients: generate the Python and TypeScript clients from docs/openapi.yaml into .local/clients
clients: tools
	bash scripts/clients.sh generate

## dev: DynamoDB Local + demo data + the API on http://127.0.0.1:9000 (cargo lambda watch)
dev:
	bash scripts/dev.sh

## console: build the operator console into console/dist (`make dev` serves it on http://localhost:9001/console/)
console: tools
	bash scripts/console.sh build

## daily-run: evaluate-tier's daily run on the dev stack, now or as if at AT=<RFC 3339 time>
daily-run:
	bash scripts/daily-run.sh

## fuzz: the cargo-fuzz targets (request decoders, webhook verifier), FUZZ_SECONDS each (default 60)
fuzz:
	bash scripts/fuzz.sh

## sam-build: sam build of every function (arm64 release builds with cargo-lambda and zig; slow)
sam-build:
	bash scripts/tools.sh --arm64
	PATH="$(VENV_BIN):$$PATH" $(SAM) build --beta-features --template $(TEMPLATE) --build-dir .aws-sam/build

# sam deploy looks for samconfig.toml next to the template it deploys, which is the built
# one in .aws-sam/build (wiped by every build): name the project's config file explicitly, so
# the stack name, capabilities and the answers of --guided live in infra/samconfig.toml.
SAM_DEPLOY := PATH="$(VENV_BIN):$$PATH" $(SAM) deploy --template-file .aws-sam/build/template.yaml \
	--config-file $(CURDIR)/infra/samconfig.toml

## deploy-guided: build, then deploy asking for the parameters (first time; answers saved in infra/samconfig.toml)
deploy-guided: sam-build
	$(SAM_DEPLOY) --guided

## deploy: build, then deploy with the saved parameters
deploy: sam-build
	$(SAM_DEPLOY)

## deploy-console: upload the operator console to the deployed stack (STACK=<name>, default from infra/samconfig.toml)
deploy-console: console
	$(VENV_BIN)/python scripts/console_deploy.py \
		"$${STACK:-$$(sed -n 's/^stack_name *= *"\(.*\)"/\1/p' infra/samconfig.toml | head -n1)}"

## lint: rustfmt check, ruff on the Python, and clippy with warnings denied
lint: tools
	cargo fmt --all -- --check
	$(VENV_BIN)/ruff check tests/clients scripts
	$(VENV_BIN)/ruff format --check tests/clients scripts
	cargo clippy --workspace --all-targets --locked -- -D warnings

## validate: SAM template validation with cfn-lint (offline: needs no credentials)
validate: tools
	$(SAM) validate --lint --region us-east-1 --template $(TEMPLATE)

## build-arm64: release Lambda zips for Graviton (target/lambda/<binary>/bootstrap.zip)
build-arm64:
	bash scripts/tools.sh --arm64
	PATH="$(VENV_BIN):$$PATH" cargo lambda build --release --arm64 --locked --output-format zip \
		$(addprefix --bin ,$(LAMBDA_BINARIES))
	@for b in $(LAMBDA_BINARIES); do \
		printf '%-12s %8s bytes  target/lambda/%s/bootstrap.zip\n' "$$b" "$$(stat -c %s target/lambda/$$b/bootstrap.zip)" "$$b"; \
	done

## bench: the benchmark suite (cold starts, warm latency, DynamoDB calls, memory, zip sizes, growth) against its floors; writes BENCHMARKS.md (slow; not in CI)
bench:
	bash scripts/bench.sh

## soak: the correctness checker (loyalty-check) against the local stack for SOAK_DURATION (default 20m), random seed (SOAK_SEED to replay)
soak:
	SOAK_DURATION="$(or $(SOAK_DURATION),20m)" bash scripts/soak.sh

## soak-proof: the checker must fail on the broken-idempotency build of the functions (fixed seed), then the normal build is restored
soak-proof:
	bash scripts/soak.sh --broken-proof

## clean-local: stop DynamoDB Local instances started by the scripts, remove .local/, node_modules/, .aws-sam/
clean-local:
	@for f in .local/*.pid; do [[ -e "$$f" ]] && bash scripts/dynamodb-local.sh stop "$$f"; done; true
	rm -rf .local node_modules .aws-sam infra/.aws-sam
