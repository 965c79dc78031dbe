CREATE TABLE `workflow_version_pieces` (
	`workflow_id` text NOT NULL,
	`version` integer NOT NULL,
	`i` integer NOT NULL,
	`text` text NOT NULL,
	PRIMARY KEY(`workflow_id`, `version`, `i`)
);
--> statement-breakpoint
ALTER TABLE `workflow_versions` ADD `pieces` integer DEFAULT 0 NOT NULL;