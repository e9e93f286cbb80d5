import { describe, expect, it } from "vitest";
import { journeysFromEvents, type TouchEvent } from "./journeys";

const DAY = 86_400_000;
const touch = (
  user: string,
  day: number | null,
  channel: string
): TouchEvent => ({
  user,
  at: day === null ? null : day * DAY,
  channel,
  conversions: 0,
  value: 0,
});
const sale = (
  user: string,
  day: number | null,
  value: number,
  channel = ""
): TouchEvent => ({
  user,
  at: day === null ? null : day * DAY,
  channel,
  conversions: 1,
  value,
});

describe("journeysFromEvents", () => {
  it("ends a journey at each conversion, in time order, and leaves the touches after the last one unconverted", () => {
    const journeys = journeysFromEvents([
      touch("a", 3, "douyin"),
      touch("b", 1, "seo"),
      touch("a", 1, "autohome"),
      sale("a", 5, 100),
      touch("a", 6, "walk_in"),
      sale("a", 8, 50, "call"),
      touch("a", 9, "douyin"),
    ]);
    expect(journeys.users).toBe(2);
    expect(journeys.conversions).toBe(2);
    expect(journeys.paths).toEqual([
      {
        channels: ["autohome", "douyin"],
        touchedAt: [DAY, 3 * DAY],
        convertedAt: 5 * DAY,
        conversions: 1,
        value: 100,
      },
      // the converting event's own channel is its journey's last touch
      {
        channels: ["walk_in", "call"],
        touchedAt: [6 * DAY, 8 * DAY],
        convertedAt: 8 * DAY,
        conversions: 1,
        value: 50,
      },
      { channels: ["douyin"], touchedAt: [9 * DAY], conversions: 0, nulls: 1 },
      { channels: ["seo"], touchedAt: [DAY], conversions: 0, nulls: 1 },
    ]);
  });

  it("keeps the file order of events at the same time, and of all events when there are no times", () => {
    expect(
      journeysFromEvents([
        touch("a", 2, "x"),
        touch("a", 2, "y"),
        touch("a", 1, "z"),
        sale("a", 2, 1),
      ]).paths[0]!.channels
    ).toEqual(["z", "x", "y"]);
    expect(
      journeysFromEvents([
        touch("a", null, "x"),
        touch("a", null, "y"),
        sale("a", null, 1),
        touch("a", null, "z"),
      ]).paths
    ).toEqual([
      { channels: ["x", "y"], conversions: 1, value: 1 },
      { channels: ["z"], conversions: 0, nulls: 1 },
    ]);
  });

  it("counts a conversion with no touch before it apart, credited to no path", () => {
    const journeys = journeysFromEvents([
      sale("a", 1, 70),
      touch("a", 2, "seo"),
      sale("b", 1, 30),
      { ...sale("b", 2, 20), conversions: 2 },
    ]);
    expect(journeys.untouched).toEqual({ conversions: 4, value: 120 });
    expect(journeys.conversions).toBe(0);
    expect(journeys.paths).toEqual([
      { channels: ["seo"], touchedAt: [2 * DAY], conversions: 0, nulls: 1 },
    ]);
  });
});
