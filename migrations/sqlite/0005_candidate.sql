CREATE TABLE `admitted_images` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`service` text NOT NULL,
	`image` text NOT NULL,
	`source` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admitted_images_key` ON `admitted_images` (`release_id`,`service`,`image`);--> statement-breakpoint
CREATE TABLE `candidate_workloads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`revision` integer NOT NULL,
	`namespace` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`service` text NOT NULL,
	`containers` text NOT NULL,
	`generation` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `candidate_workloads_key` ON `candidate_workloads` (`release_id`,`revision`,`namespace`,`kind`,`name`);--> statement-breakpoint
ALTER TABLE `freeze_exceptions` ADD `images` text;