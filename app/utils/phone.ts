// Phone parsing is shared with the imports (analytics/ingest), which may not import from app/.
export { displayPhone, maskPhone, maskPhonesInText, parsePhone, type ParsedPhone } from '../../analytics/ingest/phone'
