// The description an image carries inside itself: XMP dc:description, IPTC Caption/Abstract or EXIF
// ImageDescription (first non-empty wins, in that order: XMP is Unicode and the most deliberate).
import ExifReader from 'exifreader';
import { DOMParser, onErrorStopParsing } from '@xmldom/xmldom';

export interface EmbeddedDescription {
  text: string;
  source: 'xmp' | 'iptc' | 'exif';
}

type TagGroup = Record<string, { description?: unknown } | undefined> | undefined;

function tagText(group: TagGroup, name: string): string | null {
  const value = group?.[name]?.description;
  if (typeof value !== 'string') return null;
  const text = value.replace(/\0+$/, '').trim();
  // Cameras write placeholders into ImageDescription; they are not captions.
  if (text === '' || /^(default|olympus digital camera|sony dsc|image|untitled)$/i.test(text)) return null;
  return text;
}

const DC = 'http://purl.org/dc/elements/1.1/';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

/** dc:description from an XMP packet (as sharp extracts it for every format), x-default first. */
export function xmpDescription(packet: Buffer | string): string | null {
  try {
    const doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(packet.toString().replace(/^\uFEFF/, ''), 'text/xml');
    const descriptions = doc.getElementsByTagNameNS(DC, 'description');
    for (let i = 0; i < descriptions.length; i++) {
      const items = descriptions.item(i)!.getElementsByTagNameNS(RDF, 'li');
      const all = Array.from({ length: items.length }, (_, j) => items.item(j)!);
      const best = all.find((li) => li.getAttribute('xml:lang') === 'x-default') ?? all[0];
      const text = (best ?? descriptions.item(i)!).textContent?.trim();
      if (text) return text;
    }
  } catch {
    // Malformed XMP is common in the wild; it just means no description.
  }
  return null;
}

/** `xmp` is the packet sharp's metadata() found; EXIF and IPTC are read from the file's own bytes. */
export function readEmbeddedDescription(data: Buffer, xmp: Buffer | undefined): EmbeddedDescription | null {
  const fromXmp = xmp ? xmpDescription(xmp) : null;
  if (fromXmp) return { text: fromXmp, source: 'xmp' };
  let tags: ExifReader.ExpandedTags;
  try {
    tags = ExifReader.load(data, { expanded: true, includeTags: { exif: ['ImageDescription'], iptc: true } });
  } catch {
    // Broken metadata blocks are common and never worth failing an image over.
    return null;
  }
  const iptc = tagText(tags.iptc as TagGroup, 'Caption/Abstract');
  if (iptc) return { text: iptc, source: 'iptc' };
  const exif = tagText(tags.exif as TagGroup, 'ImageDescription');
  if (exif) return { text: exif, source: 'exif' };
  return null;
}
