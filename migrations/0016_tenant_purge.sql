ALTER TABLE `tenants` ADD `purge_at` integer;--> statement-breakpoint
CREATE INDEX `tenants_purge` ON `tenants` (`purge_at`);--> statement-breakpoint
CREATE INDEX `run_patches_tenant` ON `run_patches` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `triggers_tenant` ON `triggers` (`tenant_id`);