ALTER TABLE `runs` ADD `archived_from` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `archived_at` integer;