ALTER TABLE `workflows` ADD `purge_at` integer;--> statement-breakpoint
CREATE INDEX `workflows_purge` ON `workflows` (`purge_at`);