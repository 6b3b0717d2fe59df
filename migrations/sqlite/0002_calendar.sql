CREATE TABLE `schedule_runs` (
	`key` text PRIMARY KEY NOT NULL,
	`release_id` integer NOT NULL,
	`kind` text NOT NULL,
	`due_at` integer NOT NULL,
	`ran_at` integer NOT NULL,
	`outcome` text NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `schedule_runs_release_idx` ON `schedule_runs` (`release_id`,`kind`,`ran_at`);--> statement-breakpoint
ALTER TABLE `releases` ADD `freeze_at` integer;--> statement-breakpoint
ALTER TABLE `releases` ADD `ship_at` integer;--> statement-breakpoint
ALTER TABLE `releases` ADD `frozen_at` integer;--> statement-breakpoint
-- Dates stored before times and zones existed were plain days: they stand for 09:00 UTC on that day.
UPDATE `releases` SET `freeze_at` = unixepoch(`freeze_date` || ' 09:00:00') * 1000 WHERE `freeze_date` IS NOT NULL;--> statement-breakpoint
UPDATE `releases` SET `ship_at` = unixepoch(`ship_date` || ' 09:00:00') * 1000 WHERE `ship_date` IS NOT NULL;--> statement-breakpoint
UPDATE `releases` SET `frozen_at` = `updated_at` WHERE `state` IN ('frozen', 'signed_off');
