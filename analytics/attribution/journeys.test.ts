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

  it("makes one journey of the touches labelled with the same conversion, converting once at its time", () => {
    // as Criteo's data set: each impression says which conversion (if any) it led to and when
    const labelled = (user: string, day: number, channel: string, key?: string, convertedDay?: number, value = 0): TouchEvent => ({
      ...touch(user, day, channel),
      ...(key === undefined ? {} : { conversions: 1, value, conversionKey: key, convertedAt: convertedDay === undefined ? null : convertedDay * DAY }),
    });
    const journeys = journeysFromEvents([
      labelled("u", 3, "display", "c2", 9, 50),
      labelled("u", 1, "search", "c1", 5, 80),
      labelled("u", 2, "display", "c1", 5, 80),
      touch("u", 4, "social"),
      labelled("v", 2, "search", "c3"),
      touch("u", 0, "email"),
    ]);
    expect(journeys.users).toBe(2);
    expect(journeys.conversions).toBe(3);
    expect(journeys.paths).toEqual([
      // a later conversion's touch may come before an earlier conversion: each keeps its own
      { channels: ["display"], touchedAt: [3 * DAY], convertedAt: 9 * DAY, conversions: 1, value: 50 },
      // the conversion's value, repeated on its touches, counted once
      { channels: ["search", "display"], touchedAt: [DAY, 2 * DAY], convertedAt: 5 * DAY, conversions: 1, value: 80 },
      // the user's touches that led to no conversion make one journey that did not convert
      { channels: ["email", "social"], touchedAt: [0, 4 * DAY], conversions: 0, nulls: 1 },
      // no conversion time: at the last touch
      { channels: ["search"], touchedAt: [2 * DAY], convertedAt: 2 * DAY, conversions: 1, value: 0 },
    ]);
  });
});
