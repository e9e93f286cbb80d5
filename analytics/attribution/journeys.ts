import type { ConversionPath } from "./paths";

/**
 * Journeys from a log of events, one row per touch (ADR 021): the form in which published
 * attribution data sets and web analytics exports come (a user or cookie id, a time, the
 * channel, whether the event converted and its value), as opposed to ChannelAttribution's
 * paths, one row per distinct path with its counts.
 *
 * Each user's events are put in time order (file order among equal times). Every event with a
 * channel is a touch; an event that converts ends a journey, which converts with the touches
 * since the user's previous conversion (the converting event's own channel, when it has one,
 * as the last touch). The touches after a user's last conversion make a journey that did not
 * convert. A conversion with no touch before it has no path to credit: it is counted, not
 * attributed.
 */

export type TouchEvent = {
  user: string;
  /** ms since epoch; null when the log has no times (the file's order is the journey's) */
  at: number | null;
  /** the channel touched; '' for an event that only converts */
  channel: string;
  /** conversions at this event (0: a touch only) */
  conversions: number;
  /** their value */
  value: number;
  /**
   * Set in logs whose touches carry the conversion they led to (as Criteo's attribution data
   * set does: conversion, conversion_timestamp, conversion_id on each impression): the
   * conversion's key among the user's (its id, or its time), for a touch with conversions > 0.
   * Such a touch does not convert itself: the touches with the same key make one journey.
   */
  conversionKey?: string;
  /** with conversionKey: when that conversion happened (ms since epoch), null when unknown */
  convertedAt?: number | null;
};

export type Journeys = {
  /** one path per journey, in the order the users first appear (with times when the log has them) */
  paths: ConversionPath[];
  users: number;
  /** conversions that ended a journey with at least one touch */
  conversions: number;
  /** conversions (and their value) with no touch before them, left out of the paths */
  untouched: { conversions: number; value: number };
};

export function journeysFromEvents(events: readonly TouchEvent[]): Journeys {
  if (events.some((e) => e.conversionKey !== undefined)) return journeysOfLabelledTouches(events);
  // each user's events, by index, in the order the users first appear
  const byUser = new Map<string, number[]>();
  for (let i = 0; i < events.length; i++) {
    const user = events[i]!.user;
    const list = byUser.get(user);
    if (list) list.push(i);
    else byUser.set(user, [i]);
  }
  const paths: ConversionPath[] = [];
  const untouched = { conversions: 0, value: 0 };
  let conversions = 0;
  for (const indices of byUser.values()) {
    // time order, the file's order among equal times (a stable sort over indices already in file order)
    if (indices.length > 1)
      indices.sort((a, b) => (events[a]!.at ?? 0) - (events[b]!.at ?? 0));
    let channels: string[] = [];
    let times: number[] = [];
    for (const i of indices) {
      const event = events[i]!;
      if (event.channel !== "") {
        channels.push(event.channel);
        if (event.at !== null) times.push(event.at);
      }
      if (event.conversions === 0) continue;
      if (!channels.length) {
        untouched.conversions += event.conversions;
        untouched.value += event.value;
        continue;
      }
      conversions += event.conversions;
      paths.push(
        event.at === null
          ? { channels, conversions: event.conversions, value: event.value }
          : {
              channels,
              touchedAt: times,
              convertedAt: event.at,
              conversions: event.conversions,
              value: event.value,
            }
      );
      channels = [];
      times = [];
    }
    if (channels.length)
      paths.push(
        times.length
          ? { channels, touchedAt: times, conversions: 0, nulls: 1 }
          : { channels, conversions: 0, nulls: 1 }
      );
  }
  return { paths, users: byUser.size, conversions, untouched };
}

/**
 * Journeys of a log whose touches are labelled with the conversion they led to (each row a
 * touch; conversions > 0 with a conversionKey on the touches that led to one). The touches of
 * one user with the same key, in time order, make one journey that converts once, at its
 * convertedAt (else at its last touch), with the largest value among them (a log repeats the
 * conversion's value on each of its touches). A user's unlabelled touches, in time order,
 * make one journey that did not convert.
 */
function journeysOfLabelledTouches(events: readonly TouchEvent[]): Journeys {
  type Journey = { touches: number[]; converts: boolean; value: number; convertedAt: number | null };
  const journeys = new Map<string, Journey>();
  const users = new Set<string>();
  const untouched = { conversions: 0, value: 0 };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    users.add(e.user);
    const converts = e.conversions > 0 && e.conversionKey !== undefined;
    const key = converts ? `${e.user}\u0000${e.conversionKey}` : `${e.user}\u0000`;
    let journey = journeys.get(key);
    if (!journey) journeys.set(key, (journey = { touches: [], converts, value: 0, convertedAt: null }));
    if (e.channel !== "") journey.touches.push(i);
    if (converts) {
      journey.value = Math.max(journey.value, e.value);
      if (e.convertedAt != null) journey.convertedAt = Math.max(journey.convertedAt ?? e.convertedAt, e.convertedAt);
    }
  }
  const paths: ConversionPath[] = [];
  let conversions = 0;
  for (const journey of journeys.values()) {
    const { touches } = journey;
    if (touches.length > 1) touches.sort((a, b) => (events[a]!.at ?? 0) - (events[b]!.at ?? 0));
    if (!touches.length) {
      // a conversion labelled on rows that name no channel: nothing to credit
      if (journey.converts) {
        untouched.conversions++;
        untouched.value += journey.value;
      }
      continue;
    }
    const channels = touches.map((i) => events[i]!.channel);
    const times = touches.every((i) => events[i]!.at !== null) ? touches.map((i) => events[i]!.at!) : null;
    if (!journey.converts) {
      paths.push(times ? { channels, touchedAt: times, conversions: 0, nulls: 1 } : { channels, conversions: 0, nulls: 1 });
      continue;
    }
    conversions++;
    if (!times) {
      paths.push({ channels, conversions: 1, value: journey.value });
      continue;
    }
    // a conversion time before its last touch (a log's rounding) is read as the last touch's
    const convertedAt = Math.max(journey.convertedAt ?? times.at(-1)!, times.at(-1)!);
    paths.push({ channels, touchedAt: times, convertedAt, conversions: 1, value: journey.value });
  }
  return { paths, users: users.size, conversions, untouched };
}
