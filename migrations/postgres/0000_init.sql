CREATE TABLE "admitted_images" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "admitted_images_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"release_id" integer NOT NULL,
	"service" text NOT NULL,
	"image" text NOT NULL,
	"source" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text,
	"at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"release_id" integer,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"from_state" text,
	"to_state" text,
	"detail" text,
	"command_text" text,
	"at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "candidate_workloads" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "candidate_workloads_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"release_id" integer NOT NULL,
	"revision" integer NOT NULL,
	"namespace" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"service" text NOT NULL,
	"containers" jsonb NOT NULL,
	"generation" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "devenvs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "devenvs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"owner" text NOT NULL,
	"overrides" jsonb NOT NULL,
	"state" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"warned_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "devenvs_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "freeze_exceptions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "freeze_exceptions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"release_id" integer NOT NULL,
	"issue_key" text NOT NULL,
	"service" text NOT NULL,
	"reason" text NOT NULL,
	"requested_by" text NOT NULL,
	"state" text NOT NULL,
	"decided_by" text,
	"decided_at" timestamp (3) with time zone,
	"message_channel" text,
	"message_ts" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"images" jsonb
);
--> statement-breakpoint
CREATE TABLE "gate_checks" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "gate_checks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"release_id" integer,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"issues" jsonb NOT NULL,
	"commit_sha" text,
	"pipeline_url" text,
	"allowed" boolean NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"change_key" text
);
--> statement-breakpoint
CREATE TABLE "installation" (
	"id" integer PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "leadership" (
	"id" integer PRIMARY KEY NOT NULL,
	"epoch" integer NOT NULL,
	"holder" text NOT NULL,
	"since" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"stream" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"reply_to" text,
	"state" text NOT NULL,
	"steps_done" integer DEFAULT 0 NOT NULL,
	"memo" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp (3) with time zone NOT NULL,
	"last_error" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"settled_at" timestamp (3) with time zone,
	"claimed_by" text,
	"claim_epoch" integer,
	"claimed_at" timestamp (3) with time zone,
	"claims" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "releases_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"version" text NOT NULL,
	"version_key" text NOT NULL,
	"state" text NOT NULL,
	"freeze_at" timestamp (3) with time zone,
	"ship_at" timestamp (3) with time zone,
	"frozen_at" timestamp (3) with time zone,
	"revision" integer DEFAULT 1 NOT NULL,
	"required_roles" jsonb,
	"announcement_channel" text,
	"announcement_ts" text,
	"announcement_permalink" text,
	"announcement_problem" text,
	"jira_sync" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "releases_version_key_unique" UNIQUE("version_key")
);
--> statement-breakpoint
CREATE TABLE "schedule_runs" (
	"key" text PRIMARY KEY NOT NULL,
	"release_id" integer NOT NULL,
	"kind" text NOT NULL,
	"due_at" timestamp (3) with time zone NOT NULL,
	"ran_at" timestamp (3) with time zone NOT NULL,
	"outcome" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signoff_roles" (
	"name" text PRIMARY KEY NOT NULL,
	"members" jsonb NOT NULL,
	"quorum" integer DEFAULT 1 NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "votes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "votes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"release_id" integer NOT NULL,
	"revision" integer NOT NULL,
	"voter" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text,
	"roles" jsonb NOT NULL,
	"at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "admitted_images" ADD CONSTRAINT "admitted_images_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "candidate_workloads" ADD CONSTRAINT "candidate_workloads_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "freeze_exceptions" ADD CONSTRAINT "freeze_exceptions_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_checks" ADD CONSTRAINT "gate_checks_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "admitted_images_key" ON "admitted_images" USING btree ("release_id","service","image");--> statement-breakpoint
CREATE INDEX "audit_events_release_idx" ON "audit_events" USING btree ("release_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "candidate_workloads_key" ON "candidate_workloads" USING btree ("release_id","revision","namespace","kind","name");--> statement-breakpoint
CREATE INDEX "devenvs_owner_idx" ON "devenvs" USING btree ("owner");--> statement-breakpoint
CREATE INDEX "freeze_exceptions_lookup_idx" ON "freeze_exceptions" USING btree ("release_id","issue_key","service");--> statement-breakpoint
CREATE INDEX "gate_checks_change_idx" ON "gate_checks" USING btree ("release_id","service","change_key");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("state","stream","id");--> statement-breakpoint
CREATE INDEX "releases_created_idx" ON "releases" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "schedule_runs_release_idx" ON "schedule_runs" USING btree ("release_id","kind","ran_at");--> statement-breakpoint
CREATE UNIQUE INDEX "votes_one_per_voter_revision" ON "votes" USING btree ("release_id","revision","voter");