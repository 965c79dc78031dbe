ALTER TABLE `trigger_deliveries` ADD `error` text;--> statement-breakpoint
ALTER TABLE `triggers` ADD `signing_secret` text;