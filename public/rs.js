/*!
 * Roadshow tracking snippet (SPEC §3; docs/decisions/007-event-collection.md).
 *
 *   <script async src="https://ROADSHOW/rs.js" data-site="SITE_KEY"></script>
 *
 * What it does
 * - Gives the browser a first-party visitor id: a random id kept in localStorage and in a
 *   cookie of the store's own site (rs_vid; Path=/; SameSite=Lax; 13 months). Roadshow's
 *   own domain sets and reads no cookie: there is no third-party cookie.
 * - Sends a page view — URL, referrer, utm_source/medium/campaign/content/term, advertising
 *   click ids (bd_vid, clickid, gdt_vid, qz_gdt, …) and a random event id, so that a resend
 *   is stored once — to ROADSHOW/api/collect with fetch (keepalive); again when a single-page
 *   app changes the URL (history.pushState, back/forward). A page view waits in an outbox in
 *   localStorage until Roadshow answers 2xx: refused with 429/503 or lost to the network, it
 *   is sent again later with the same event id; on leaving the page, what still waits goes by
 *   navigator.sendBeacon.
 * - Lead forms: a <form data-roadshow-form> is posted to ROADSHOW/api/leads with the visitor
 *   id, and the answer is written into its [data-roadshow-status] element (and
 *   [data-roadshow-error="phone"] … per field); an <iframe data-roadshow-frame
 *   src="ROADSHOW/f/SITE_KEY"> is given ?v=<visitor id> and the page it sits on.
 *
 * Consent
 * - By default it runs on load (the site's own privacy notice covers it).
 * - data-consent="required" on the tag: nothing is stored or sent until the page calls
 *   roadshow('consent', true), e.g. from its cookie banner; the choice is remembered in
 *   localStorage. roadshow('consent', false) stops it and deletes the id and the cookie.
 * - window.roadshowConsent = false, set before the tag: nothing is stored or sent, whatever
 *   the attribute says.
 * A lead form is still posted without consent (sending it is the visitor's own act, and it
 * asks for consent itself), but without a visitor id.
 *
 * API (calls made before the script loads are queued by this stub:
 *   window.roadshow = window.roadshow || function () { (roadshow.q = roadshow.q || []).push(arguments) })
 *   roadshow('consent', true | false)   roadshow('pageview')   roadshow('forms')  (look for new forms)
 *   roadshow.visitorId()  → the visitor id, or null without consent
 */
(function (w, d) {
  'use strict';
  var previous = w.roadshow;
  if (previous && previous.loaded) return;

  var script = d.currentScript;
  if (!script || !script.getAttribute('data-site')) {
    var tags = d.querySelectorAll('script[data-site]');
    script = tags[tags.length - 1];
  }
  if (!script) return;
  var siteKey = script.getAttribute('data-site');
  var base = String(script.src).replace(/^(https?:\/\/[^\/?#]+).*$/, '$1');
  var required = script.getAttribute('data-consent') === 'required';
  var granted = false;
  var vid = null;
  var lastUrl = null;
  var ID = /^[A-Za-z0-9_-]{8,64}$/;
  var KEY = 'rs_vid';
  var CONSENT = 'rs_consent';
  var UTM = ['source', 'medium', 'campaign', 'content', 'term'];
  var CLICK_IDS = ['bd_vid', 'bdclkid', 'clickid', 'gdt_vid', 'qz_gdt', 'gclid', 'msclkid'];

  function load(k) {
    try { return w.localStorage.getItem(k); } catch (e) { return null; }
  }
  function save(k, v) {
    try {
      if (v === null) w.localStorage.removeItem(k);
      else w.localStorage.setItem(k, v);
    } catch (e) { /* private mode: the cookie still holds the id */ }
  }
  function setCookie(v) {
    var secure = w.location.protocol === 'https:' ? '; Secure' : '';
    d.cookie = KEY + '=' + (v || '') + '; Path=/; Max-Age=' + (v ? 34186669 : 0) + '; SameSite=Lax' + secure;
  }
  function readCookie() {
    var m = /(?:^|;\s*)rs_vid=([A-Za-z0-9_-]{8,64})/.exec(d.cookie);
    return m ? m[1] : null;
  }
  function randomId() {
    var bytes = [], s = '', i, c = w.crypto || w.msCrypto;
    if (c && c.getRandomValues) bytes = c.getRandomValues(new Uint8Array(16));
    else for (i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    for (i = 0; i < 16; i++) s += (bytes[i] + 256).toString(16).slice(1);
    return s;
  }
  function allowed() {
    if (w.roadshowConsent === false) return false;
    return !required || granted || load(CONSENT) === '1';
  }

  function visitorId() {
    if (!allowed()) return null;
    if (!vid) {
      vid = load(KEY) || readCookie();
      if (!vid || !ID.test(vid)) vid = randomId();
      save(KEY, vid);
      setCookie(vid);
    }
    return vid;
  }

  function query(url) {
    var out = {}, q = url.split('#')[0].split('?')[1] || '', parts = q.split('&'), i, kv;
    for (i = 0; i < parts.length; i++) {
      kv = parts[i].split('=');
      try { if (kv[0]) out[decodeURIComponent(kv[0])] = decodeURIComponent((kv[1] || '').replace(/\+/g, ' ')); } catch (e) { /* skip a malformed pair */ }
    }
    return out;
  }

  // Page views wait in an outbox (localStorage) until Roadshow acknowledges them with a 2xx:
  // one refused with 429/503 or lost to the network is sent again later (next page, or after
  // a pause) with the same event id, which Roadshow stores once. Other refusals are final.
  var OUTBOX = 'rs_outbox', MAX_WAITING = 50, MAX_AGE = 86400000, BATCH = 20, retryTimer = null, delay = 5000;
  var sending = false, again = false;

  function waiting() {
    var list;
    try { list = JSON.parse(load(OUTBOX) || '[]'); } catch (e) { list = []; }
    var now = new Date().getTime(), out = [], i;
    for (i = 0; i < list.length; i++) if (list[i] && list[i].eventId && now - (list[i].ts || 0) < MAX_AGE) out.push(list[i]);
    return out;
  }
  function keep(list) { save(OUTBOX, list.length ? JSON.stringify(list.slice(-MAX_WAITING)) : null); }
  function forget(ids) {
    var list = waiting(), out = [], i;
    for (i = 0; i < list.length; i++) if (ids.indexOf(list[i].eventId) < 0) out.push(list[i]);
    keep(out);
  }
  function retryLater() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, delay);
    delay = Math.min(delay * 2, 300000);
  }

  function flush() {
    if (sending) { again = true; return; } // one request at a time: the next one sends what came meanwhile
    var list = waiting().slice(0, BATCH), ids = [], i;
    if (!list.length || !allowed()) return;
    for (i = 0; i < list.length; i++) ids.push(list[i].eventId);
    var url = base + '/api/collect', data = JSON.stringify(list.length === 1 ? list[0] : list);
    // a string goes as text/plain: no CORS preflight
    if (!w.fetch) {
      try { if (navigator.sendBeacon && navigator.sendBeacon(url, data)) forget(ids); } catch (e) { /* kept for the next page */ }
      return;
    }
    sending = true;
    function done() {
      sending = false;
      if (again) { again = false; flush(); }
    }
    w.fetch(url, { method: 'POST', body: data, keepalive: true, mode: 'cors', credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })
      .then(function (res) {
        if (res.ok) { delay = 5000; forget(ids); if (waiting().length) again = true; }
        else if (res.status === 429 || res.status >= 500) retryLater();
        else forget(ids); // refused for good (invalid, unknown site): sending again cannot help
        done();
      }, function () { retryLater(); done(); });
  }

  function send(event) {
    var list = waiting();
    list.push(event);
    keep(list);
    flush();
  }

  // the page is going away: hand what still waits to the browser, which delivers it after
  // the page is gone; it stays in the outbox until a later page sees it acknowledged
  function farewell() {
    var list = waiting().slice(0, BATCH);
    if (!list.length || !allowed() || !navigator.sendBeacon) return;
    try { navigator.sendBeacon(base + '/api/collect', JSON.stringify(list.length === 1 ? list[0] : list)); } catch (e) { /* next page */ }
  }

  function pageview() {
    var id = visitorId(), href = w.location.href;
    if (!id || href === lastUrl) return;
    var q = query(href), utm = {}, clicks = {}, hasUtm = false, hasClicks = false, i, v;
    for (i = 0; i < UTM.length; i++) {
      v = q['utm_' + UTM[i]];
      if (v) { utm[UTM[i]] = v.slice(0, 200); hasUtm = true; }
    }
    for (i = 0; i < CLICK_IDS.length; i++) {
      v = q[CLICK_IDS[i]];
      if (v) { clicks[CLICK_IDS[i]] = v.slice(0, 512); hasClicks = true; }
    }
    send({
      siteKey: siteKey,
      visitorId: id,
      eventId: randomId(),
      type: 'pageview',
      url: href.slice(0, 2048),
      referrer: (lastUrl || d.referrer || '').slice(0, 2048),
      utm: hasUtm ? utm : undefined,
      clickIds: hasClicks ? clicks : undefined,
      ts: new Date().getTime()
    });
    lastUrl = href;
  }

  function show(form, state, message, errors) {
    var box = form.querySelector('[data-roadshow-status]'), slots = form.querySelectorAll('[data-roadshow-error]'), i, el;
    form.setAttribute('data-roadshow-state', state);
    if (box) box.textContent = message || '';
    for (i = 0; i < slots.length; i++) slots[i].textContent = (errors && errors[slots[i].getAttribute('data-roadshow-error')]) || '';
    for (i = 0; i < form.elements.length; i++) {
      el = form.elements[i];
      if (!el.name) continue;
      if (errors && errors[el.name]) el.setAttribute('aria-invalid', 'true');
      else el.removeAttribute('aria-invalid');
    }
    if (state === 'sent') form.reset();
    if (typeof w.CustomEvent === 'function') form.dispatchEvent(new w.CustomEvent('roadshow:lead', { detail: { state: state, message: message, errors: errors || {} } }));
  }

  function bindForm(form) {
    if (form.getAttribute('data-roadshow-bound')) return;
    form.setAttribute('data-roadshow-bound', '1');
    form.addEventListener('submit', function (event) {
      if (!w.fetch || !w.JSON) return; // an old browser posts the form itself
      event.preventDefault();
      var body = { siteKey: siteKey, visitorId: visitorId(), page: w.location.href, referrer: d.referrer }, i, el;
      for (i = 0; i < form.elements.length; i++) {
        el = form.elements[i];
        if (!el.name || el.disabled || /^(submit|button|reset|file)$/.test(el.type)) continue;
        if (el.type === 'checkbox' || el.type === 'radio') { if (el.checked) body[el.name] = el.value === 'on' ? true : el.value; }
        else body[el.name] = el.value;
      }
      show(form, 'sending', '');
      w.fetch(base + '/api/leads', { method: 'POST', body: JSON.stringify(body), mode: 'cors', credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })
        .then(function (res) {
          return res.json().then(function (answer) { return [res.ok, answer]; }, function () { return [res.ok, {}]; });
        })
        .then(function (r) { show(form, r[0] ? 'sent' : 'failed', r[1].message, r[1].errors); },
          function () { show(form, 'failed', ''); });
    });
  }

  function bindFrame(frame) {
    var src = frame.getAttribute('data-roadshow-src') || frame.getAttribute('src') || '', id = visitorId(), next;
    frame.setAttribute('data-roadshow-src', src);
    next = src + (src.indexOf('?') < 0 ? '?' : '&') + 'page=' + encodeURIComponent(w.location.href.slice(0, 1500)) +
      (d.referrer ? '&ref=' + encodeURIComponent(d.referrer.slice(0, 500)) : '') + (id ? '&v=' + id : '');
    if (frame.getAttribute('src') !== next) frame.setAttribute('src', next);
  }

  function scan() {
    var forms = d.querySelectorAll('form[data-roadshow-form]'), frames = d.querySelectorAll('iframe[data-roadshow-frame]'), i;
    for (i = 0; i < forms.length; i++) bindForm(forms[i]);
    for (i = 0; i < frames.length; i++) bindFrame(frames[i]);
  }

  function onReady(fn) {
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', fn);
    else fn();
  }

  function api(command, value) {
    if (command === 'consent') {
      if (value === false) {
        granted = false;
        required = true;
        vid = null;
        save(CONSENT, null);
        save(KEY, null);
        save(OUTBOX, null);
        setCookie(null);
      } else {
        granted = true;
        save(CONSENT, '1');
        pageview();
        onReady(scan);
      }
    } else if (command === 'pageview') {
      lastUrl = null;
      pageview();
    } else if (command === 'forms') {
      onReady(scan);
    }
  }
  api.loaded = true;
  api.visitorId = visitorId;
  w.roadshow = api;
  var queued = (previous && previous.q) || [];
  for (var i = 0; i < queued.length; i++) api.apply(null, queued[i]);

  // single-page apps: a new URL is a new page view
  var push = w.history && w.history.pushState;
  if (push) {
    w.history.pushState = function () {
      var result = push.apply(this, arguments);
      setTimeout(pageview, 0);
      return result;
    };
    w.addEventListener('popstate', function () { setTimeout(pageview, 0); });
  }

  w.addEventListener('pagehide', farewell);
  d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') farewell(); });

  flush(); // what an earlier page could not deliver
  pageview();
  onReady(scan);
})(window, document);
