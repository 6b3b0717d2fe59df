CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`stream` text NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`reply_to` text,
	`state` text NOT NULL,
	`steps_done` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`settled_at` integer
);
--> statement-breakpoint
CREATE INDEX `outbox_pending_idx` ON `outbox` (`state`,`stream`,`id`);--> statement-breakpoint
ALTER TABLE `gate_checks` ADD `change_key` text;--> statement-breakpoint
CREATE INDEX `gate_checks_change_idx` ON `gate_checks` (`release_id`,`service`,`change_key`);--> statement-breakpoint
ALTER TABLE `releases` ADD `announcement_permalink` text;--> statement-breakpoint
ALTER TABLE `releases` ADD `announcement_problem` text;