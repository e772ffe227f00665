import { at } from '../../src-main/api/at.js';
// Synthetic dense video captions for the search benchmark: Molmo2-like prose with timestamps, drawn from a
// vocabulary of scene nouns, verbs, colours and places with a skewed (Zipf-like) frequency, seeded.

const NOUNS = [
  'person',
  'man',
  'woman',
  'child',
  'worker',
  'cyclist',
  'jogger',
  'security guard',
  'delivery driver',
  'dog',
  'cat',
  'pigeon',
  'seagull',
  'car',
  'van',
  'truck',
  'bus',
  'taxi',
  'bicycle',
  'motorcycle',
  'scooter',
  'forklift',
  'crane',
  'pallet',
  'box',
  'suitcase',
  'backpack',
  'umbrella',
  'shopping cart',
  'stroller',
  'wheelchair',
  'ladder',
  'traffic cone',
  'barrier',
  'gate',
  'door',
  'window',
  'bench',
  'lamp post',
  'traffic light',
  'sign',
  'tree',
  'bush',
  'fence',
  'wall',
  'container',
  'trailer',
  'tractor',
  'boat',
  'train',
  'platform',
  'ticket machine',
  'escalator',
  'staircase',
  'elevator',
  'counter',
  'shelf',
  'cash register',
  'table',
  'chair',
  'laptop',
  'phone',
  'camera',
  'helmet',
  'vest',
  'jacket',
  'raincoat',
  'hat',
  'bag',
  'bottle',
  'cup',
  'trash can',
  'recycling bin',
  'puddle',
  'shadow',
  'reflection',
  'flag',
  'banner',
  'poster',
  'screen',
  'drone',
  'ambulance',
  'police car',
  'fire truck',
  'horse',
  'cow',
  'sheep',
  'goose',
  'duck',
  'fox',
];
const VERBS = [
  'walks past',
  'stands near',
  'crosses',
  'enters',
  'leaves',
  'waits beside',
  'runs toward',
  'carries',
  'pushes',
  'pulls',
  'loads',
  'unloads',
  'opens',
  'closes',
  'points at',
  'looks at',
  'picks up',
  'drops',
  'parks next to',
  'drives past',
  'turns around near',
  'stops in front of',
  'climbs',
  'sits on',
  'leans against',
  'inspects',
  'repairs',
  'cleans',
  'photographs',
  'follows',
  'overtakes',
  'reverses toward',
  'circles',
  'hands a package to',
  'talks with',
  'waves at',
  'steps over',
  'kneels beside',
  'rides past',
  'blocks',
];
const COLOURS = [
  'red',
  'blue',
  'green',
  'yellow',
  'white',
  'black',
  'grey',
  'orange',
  'purple',
  'brown',
  'pink',
  'silver',
  'dark blue',
  'light grey',
  'navy',
  'beige',
  'teal',
  'maroon',
  'olive',
  'gold',
];
const PLACES = [
  'loading dock',
  'parking lot',
  'station platform',
  'warehouse aisle',
  'street corner',
  'crosswalk',
  'shop entrance',
  'office lobby',
  'construction site',
  'harbour quay',
  'bus stop',
  'garden path',
  'courtyard',
  'corridor',
  'checkout area',
  'farm yard',
  'petrol station',
  'bridge',
  'tunnel entrance',
  'rooftop',
];
const LIGHT = [
  'bright daylight',
  'overcast light',
  'low evening sun',
  'artificial overhead lighting',
  'night-time street lights',
  'light rain',
  'heavy rain',
  'fog',
  'snow',
  'harsh shadows',
];
const CAMERA = [
  'The camera is static and mounted high.',
  'The camera pans slowly to the left.',
  'The view is slightly tilted.',
  'The image is grainy.',
  'A timestamp overlay is visible in the corner.',
  'The camera zooms in briefly.',
  'Motion blur affects fast objects.',
];

export type Rand = () => number;

/** Seeded PRNG (mulberry32). */
export function rng(seed: number): Rand {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks with a skew toward the head of the list, like word frequencies in real captions. */
const zipf = <T>(r: Rand, a: readonly T[]): T => at(a, Math.floor(a.length * r() ** 2.2));
const uni = <T>(r: Rand, a: readonly T[]): T => at(a, Math.floor(a.length * r()));
const ts = (s: number) =>
  `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** One dense caption for a window [start, end): 4–8 sentences, ~60–130 words. */
export function denseCaption(r: Rand, start: number, end: number): string {
  const place = uni(r, PLACES);
  const out: string[] = [`The scene shows a ${place} under ${uni(r, LIGHT)}.`];
  const n = 3 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const t = start + ((end - start) * (i + r())) / n;
    const a = `${zipf(r, COLOURS)} ${zipf(r, NOUNS)}`;
    const b = `${zipf(r, COLOURS)} ${zipf(r, NOUNS)}`;
    switch (Math.floor(r() * 4)) {
      case 0:
        out.push(`At ${ts(t)} a ${a} ${zipf(r, VERBS)} the ${b}.`);
        break;
      case 1:
        out.push(
          `Around ${ts(t)}, a ${a} ${zipf(r, VERBS)} a ${b} near the ${uni(r, PLACES)}, then ${zipf(r, VERBS)} the ${zipf(r, NOUNS)}.`,
        );
        break;
      case 2:
        out.push(
          `In the background ${2 + Math.floor(r() * 5)} ${zipf(r, NOUNS)}s remain mostly still while a ${a} ${zipf(r, VERBS)} the ${b}.`,
        );
        break;
      default:
        out.push(
          `By ${ts(t)} the ${a} has moved out of view and a ${b} ${zipf(r, VERBS)} the ${zipf(r, COLOURS)} ${zipf(r, NOUNS)}.`,
        );
    }
  }
  if (r() < 0.5) out.push(uni(r, CAMERA));
  return out.join(' ');
}

/** 50 benchmark queries: common and rare words, two-word, phrases, prefixes, OR, and a few filtered ones. */
export function benchQueries(r: Rand): Array<{ q: string; filter?: 'recording' | 'folder' | 'duration' }> {
  const qs: Array<{ q: string; filter?: 'recording' | 'folder' | 'duration' }> = [];
  for (let i = 0; i < 12; i++) qs.push({ q: at(uni(r, NOUNS).split(' '), 0) });
  for (let i = 0; i < 10; i++)
    qs.push({ q: `${uni(r, COLOURS).split(' ').at(-1)} ${uni(r, NOUNS).split(' ').at(-1)}` });
  for (let i = 0; i < 8; i++) qs.push({ q: `"${uni(r, COLOURS)} ${uni(r, NOUNS)}"` });
  for (let i = 0; i < 6; i++) qs.push({ q: `${uni(r, NOUNS).slice(0, 4)}*` });
  for (let i = 0; i < 5; i++) qs.push({ q: `${uni(r, NOUNS).split(' ')[0]} OR ${uni(r, NOUNS).split(' ')[0]}` });
  for (let i = 0; i < 3; i++)
    qs.push({ q: `${uni(r, NOUNS).split(' ')[0]} ${uni(r, VERBS).split(' ')[0]} ${uni(r, PLACES).split(' ')[0]}` });
  const filters = ['recording', 'folder', 'duration'] as const;
  for (let i = 0; i < 6; i++) qs.push({ q: at(uni(r, NOUNS).split(' '), 0), filter: filters[i % 3] });
  return qs;
}
